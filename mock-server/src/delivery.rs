//! Sending an answer the way an engine does: streamed chunks on the times the request's plan
//! sampled, a stream a rule cuts or spoils, and the journal entry written when the answer has
//! ended, or when the client went away before it did.
//!
//! [`Delivery`] wraps a response body. Each data frame of a streamed answer is one chunk
//! (`data: ...\n\n`); a whole answer is one chunk. The pending journal entry rides along and is
//! written when the body ends (the answer was delivered) or is dropped unfinished (hyper drops
//! a body whose connection closed: the client hung up, and, as vLLM aborts such a request,
//! the mock stops).

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

use crate::conditions::timing::Plan;
use crate::outcome::StreamShape;
use crate::pending::PendingEntry;

/// When each chunk of a streamed answer is due: the first token's after the time to first
/// token from admission, each later one its gap after the first token actually went out. So a
/// first token that is late (a busy machine) delays the stream instead of making the next
/// tokens catch up in a burst, and the gaps a client measures average the setting.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// When the request was admitted to a running slot.
    pub start: Instant,
    pub plan: Plan,
    pub shape: StreamShape,
    /// When the first token's chunk went out.
    pub first_sent: Option<Instant>,
}

impl Schedule {
    pub fn new(start: Instant, plan: Plan, shape: StreamShape) -> Self {
        Schedule {
            start,
            plan,
            shape,
            first_sent: None,
        }
    }

    /// When chunk `frame` is due; `None` for the chunks after the last token's, sent with it.
    fn due(&self, frame: usize) -> Option<Instant> {
        let token = frame.saturating_sub(self.shape.leading_frames);
        if token >= self.shape.token_frames {
            return None;
        }
        Some(match self.first_sent {
            Some(first) if token > 0 => first + (self.plan.token_due(token) - self.plan.first_token),
            _ => self.start + self.plan.first_token,
        })
    }

    /// Notes that chunk `frame` went out now.
    fn sent(&mut self, frame: usize) {
        if self.first_sent.is_none() && frame >= self.shape.leading_frames {
            self.first_sent = Some(Instant::now());
        }
    }
}

/// What a fault rule does to the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkFault {
    /// Stops after this many chunks, without the rest or the end of the stream.
    Cut { after_chunks: usize },
    /// Sends a chunk that is not JSON after this many, then goes on.
    Malformed { after_chunks: usize },
}

/// The chunk a `Malformed` rule sends: an SSE event whose data is not JSON.
pub const MALFORMED_CHUNK: &[u8] = b"data: {\"id\": \"malformed-by-mock-vllm\", \"choices\": [{\"delta\n\n";

pub struct Delivery {
    inner: Body,
    schedule: Option<Schedule>,
    fault: Option<ChunkFault>,
    /// Chunks sent so far, a malformed one included.
    sent: usize,
    /// The answer's own chunks taken from `inner`.
    taken: usize,
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether hyper was given the chance to flush the chunks before the cut.
    yielded_before_cut: bool,
    entry: Option<PendingEntry>,
}

impl Delivery {
    pub fn new(inner: Body, schedule: Option<Schedule>, fault: Option<ChunkFault>, entry: PendingEntry) -> Self {
        Delivery {
            inner,
            schedule,
            fault,
            sent: 0,
            taken: 0,
            sleep: None,
            yielded_before_cut: false,
            entry: Some(entry),
        }
    }

    fn finish(&mut self, cut: bool) {
        if let Some(entry) = self.entry.take() {
            entry.delivered(self.sent, cut);
        }
    }
}

impl http_body::Body for Delivery {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            } else if let Some(due) = this.schedule.as_ref().and_then(|s| s.due(this.taken))
                && due > Instant::now()
            {
                this.sleep = Some(Box::pin(tokio::time::sleep_until(due.into())));
                continue;
            }
            match this.fault {
                Some(ChunkFault::Cut { after_chunks }) if this.sent >= after_chunks => {
                    // hyper flushes what it holds when the body is pending; without this the
                    // chunks before the cut would die in its buffer with the connection.
                    if !std::mem::replace(&mut this.yielded_before_cut, true) {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    this.finish(true);
                    return Poll::Ready(Some(Err(axum::Error::new("the stream was cut by a mock-vllm rule"))));
                }
                Some(ChunkFault::Malformed { after_chunks }) if this.sent == after_chunks => {
                    this.fault = None;
                    this.sent += 1;
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(MALFORMED_CHUNK)))));
                }
                _ => {}
            }
            return match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if frame.is_data() {
                        if let Some(schedule) = this.schedule.as_mut() {
                            schedule.sent(this.taken);
                        }
                        this.taken += 1;
                        this.sent += 1;
                    }
                    Poll::Ready(Some(Ok(frame)))
                }
                Some(Err(err)) => Poll::Ready(Some(Err(err))),
                None => {
                    this.finish(false);
                    Poll::Ready(None)
                }
            };
        }
    }

    fn is_end_stream(&self) -> bool {
        self.entry.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // A fault changes the bytes; then the length is not known ahead.
        match self.fault {
            None => self.inner.size_hint(),
            Some(_) => SizeHint::default(),
        }
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        // Dropped before its end: the client went away.
        if let Some(entry) = self.entry.take() {
            entry.abandoned(self.sent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn schedule(leading: usize, tokens: usize, gap_ms: u64) -> Schedule {
        let plan = Plan {
            first_token: Duration::from_millis(100),
            gaps: vec![Duration::from_millis(gap_ms); tokens.saturating_sub(1)],
        };
        let shape = StreamShape {
            leading_frames: leading,
            token_frames: tokens,
        };
        Schedule::new(Instant::now(), plan, shape)
    }

    #[test]
    fn leading_chunks_go_with_the_first_token_and_trailing_ones_with_the_last() {
        let mut s = schedule(1, 3, 10);
        let start = s.start;
        let offset = |s: &Schedule, frame| s.due(frame).map(|due| due - start);
        assert_eq!(offset(&s, 0), Some(Duration::from_millis(100)), "the role chunk");
        assert_eq!(offset(&s, 1), Some(Duration::from_millis(100)), "the first token");
        // The first token went out 30 ms late: the next ones keep their gaps from it.
        s.first_sent = Some(start + Duration::from_millis(130));
        assert_eq!(offset(&s, 2), Some(Duration::from_millis(140)));
        assert_eq!(offset(&s, 3), Some(Duration::from_millis(150)));
        assert_eq!(offset(&s, 4), None, "usage and [DONE] follow the last token");
    }

    #[test]
    fn the_first_token_is_the_one_after_the_leading_chunks() {
        let mut s = schedule(1, 3, 10);
        s.sent(0);
        assert!(s.first_sent.is_none(), "the role chunk is not a token");
        s.sent(1);
        assert!(s.first_sent.is_some());
    }
}
