//! Sending an answer the way an engine does: streamed chunks on the times the request's plan
//! sampled, a stream a rule cuts or spoils, and the journal entry written when the answer has
//! ended, or when the client went away before it did.
//!
//! [`Delivery`] is a response's body: a whole answer's, one chunk, or a stream's frames, one
//! chunk each, paced by their tags (`outcome.rs`). A rule's [`ChunkFault`] spoils the chunks in
//! one of the ways [`Spoil`] names, whatever the action that asked for it. The pending journal
//! entry rides along (as an [`Ending`]) and is told when the body ends (the answer was
//! delivered) or is dropped unfinished (hyper drops a body whose connection closed: the client
//! hung up, and, as vLLM aborts such a request, the mock stops).

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

use crate::conditions::actions::{ChunkFault, Spoil};
use crate::conditions::timing::Plan;
use crate::outcome::{self, FrameKind, Stream};

/// When each frame of a streamed answer is due, by its kind: the first token's (and the lead
/// frames before it) after the time to first token from admission, each later token its gap
/// after the first token actually went out, the tail with the last token. So a first token
/// that is late (a busy machine) delays the stream instead of making the next tokens catch up
/// in a burst, and the gaps a client measures average the setting.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// When the request was admitted to a running slot.
    pub start: Instant,
    pub plan: Plan,
    /// The stream's token frames.
    pub tokens: usize,
    /// Token frames sent so far.
    pub tokens_sent: usize,
    /// When the first token's frame went out.
    pub first_sent: Option<Instant>,
}

impl Schedule {
    pub fn new(start: Instant, plan: Plan, tokens: usize) -> Self {
        Schedule {
            start,
            plan,
            tokens,
            tokens_sent: 0,
            first_sent: None,
        }
    }

    /// When the next frame, of `kind`, is due; `None` for one sent with the last token.
    fn due(&self, kind: FrameKind) -> Option<Instant> {
        if kind == FrameKind::Tail || self.tokens_sent >= self.tokens {
            return None;
        }
        let token = self.tokens_sent;
        Some(match self.first_sent {
            Some(first) if token > 0 => first + (self.plan.token_due(token) - self.plan.first_token),
            _ => self.start + self.plan.first_token,
        })
    }

    /// Notes that a frame of `kind` went out now.
    fn sent(&mut self, kind: FrameKind) {
        if self.first_sent.is_none() && kind != FrameKind::Lead {
            self.first_sent = Some(Instant::now());
        }
        self.tokens_sent += usize::from(kind == FrameKind::Token);
    }
}

/// Who hears how a delivered answer ended: the request's journal entry (`pending.rs`).
pub trait Ending {
    /// The answer went out to its end, or to a rule's cut (`cut`); `chunks` were sent, a
    /// spoiled one included, and `streamed` says whether it was a stream.
    fn delivered(self, chunks: usize, streamed: bool, cut: bool);
    /// It was dropped before its end, after `chunks`: the client went away.
    fn abandoned(self, chunks: usize);
}

/// What is delivered: a whole answer's body, or a stream's tagged frames.
enum Source {
    Body(Body),
    Frames(std::vec::IntoIter<outcome::Frame>),
}

pub struct Delivery<E: Ending> {
    source: Source,
    schedule: Option<Schedule>,
    fault: Option<ChunkFault>,
    /// Chunks sent so far, a spoiled one included.
    sent: usize,
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether hyper was given the chance to flush the chunks before the cut.
    yielded_before_cut: bool,
    entry: Option<E>,
}

impl<E: Ending> Delivery<E> {
    /// A whole answer, spoiled by `fault`.
    pub fn whole(body: Body, fault: Option<ChunkFault>, entry: E) -> Self {
        Self::new(Source::Body(body), None, fault, entry)
    }

    /// A stream's frames, on `schedule`'s times when it has one, spoiled by `fault`.
    pub fn stream(stream: Stream, schedule: Option<Schedule>, fault: Option<ChunkFault>, entry: E) -> Self {
        Self::new(Source::Frames(stream.into_frames()), schedule, fault, entry)
    }

    fn new(source: Source, schedule: Option<Schedule>, fault: Option<ChunkFault>, entry: E) -> Self {
        Delivery {
            source,
            schedule,
            fault,
            sent: 0,
            sleep: None,
            yielded_before_cut: false,
            entry: Some(entry),
        }
    }

    fn finish(&mut self, cut: bool) {
        if let Some(entry) = self.entry.take() {
            entry.delivered(self.sent, matches!(self.source, Source::Frames(_)), cut);
        }
    }

    /// When the next frame is due, if it has to wait.
    fn next_due(&self) -> Option<Instant> {
        let (Some(schedule), Source::Frames(frames)) = (&self.schedule, &self.source) else {
            return None;
        };
        schedule.due(frames.as_slice().first()?.kind)
    }
}

impl<E: Ending + Unpin> http_body::Body for Delivery<E> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            } else if let Some(due) = this.next_due()
                && due > Instant::now()
            {
                this.sleep = Some(Box::pin(tokio::time::sleep_until(due.into())));
                continue;
            }
            if let Some(fault) = this.fault
                && this.sent == fault.after_chunks
            {
                match fault.spoil {
                    Spoil::Cut => {
                        // hyper flushes what it holds when the body is pending; without this
                        // the chunks before the cut would die in its buffer with the connection.
                        if !std::mem::replace(&mut this.yielded_before_cut, true) {
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                        this.finish(true);
                        return Poll::Ready(Some(Err(axum::Error::new("the stream was cut by a mock-vllm rule"))));
                    }
                    Spoil::Insert(chunk) => {
                        this.fault = None;
                        this.sent += 1;
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(chunk)))));
                    }
                }
            }
            let next = match &mut this.source {
                Source::Frames(frames) => frames.next().map(|frame| {
                    if let Some(schedule) = this.schedule.as_mut() {
                        schedule.sent(frame.kind);
                    }
                    Ok(Frame::data(frame.data))
                }),
                Source::Body(body) => ready!(Pin::new(body).poll_frame(cx)),
            };
            return match next {
                Some(Ok(frame)) => {
                    this.sent += usize::from(frame.is_data());
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
        self.entry.is_none()
            && match &self.source {
                Source::Body(body) => body.is_end_stream(),
                Source::Frames(frames) => frames.len() == 0,
            }
    }

    fn size_hint(&self) -> SizeHint {
        // A fault changes the bytes; then the length is not known ahead, nor a stream's.
        match (&self.source, self.fault) {
            (Source::Body(body), None) => body.size_hint(),
            _ => SizeHint::default(),
        }
    }
}

impl<E: Ending> Drop for Delivery<E> {
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
    use FrameKind::{Lead, Tail, Token};
    use std::time::Duration;

    fn schedule(tokens: usize, gap_ms: u64) -> Schedule {
        let plan = Plan {
            first_token: Duration::from_millis(100),
            gaps: vec![Duration::from_millis(gap_ms); tokens.saturating_sub(1)],
        };
        Schedule::new(Instant::now(), plan, tokens)
    }

    #[test]
    fn leading_chunks_go_with_the_first_token_and_trailing_ones_with_the_last() {
        let mut s = schedule(3, 10);
        let start = s.start;
        let offset = |s: &Schedule, kind| s.due(kind).map(|due| due - start);
        assert_eq!(offset(&s, Lead), Some(Duration::from_millis(100)), "the role chunk");
        assert_eq!(offset(&s, Token), Some(Duration::from_millis(100)), "the first token");
        // The first token went out 30 ms late: the next ones keep their gaps from it.
        s.first_sent = Some(start + Duration::from_millis(130));
        s.tokens_sent = 1;
        assert_eq!(offset(&s, Token), Some(Duration::from_millis(140)));
        s.tokens_sent = 2;
        assert_eq!(offset(&s, Token), Some(Duration::from_millis(150)));
        s.tokens_sent = 3;
        assert_eq!(offset(&s, Tail), None, "usage and [DONE] follow the last token");
        assert_eq!(offset(&s, Token), None, "no token is due after the last");
    }

    #[test]
    fn the_first_token_is_the_one_after_the_leading_chunks() {
        let mut s = schedule(3, 10);
        s.sent(Lead);
        assert!(s.first_sent.is_none(), "the role chunk is not a token");
        s.sent(Token);
        assert!(s.first_sent.is_some());
        assert_eq!(s.tokens_sent, 1);
    }

    #[test]
    fn a_stream_without_tokens_waits_for_nothing() {
        assert_eq!(schedule(0, 10).due(Lead), None);
    }
}
