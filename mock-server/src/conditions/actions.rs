//! What a fault rule does, each action whole in one place: its JSON form, its check, and what
//! it does to one request, said in the few terms the recorder and the delivery play for every
//! action alike ([`Effect`]: a wait, then an answer instead of the handler's, no answer, a
//! reset, or the handler's answer with its chunks spoiled). A new action is a variant of
//! [`Action`] and its arms here; the rules, the recorder and the delivery need no change.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::failures::FailureType;
use crate::openai::ApiError;

/// What a rule does to a request it acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Answers with this status and vLLM's error body (`message` replaces the default one).
    Status {
        status: u16,
        message: Option<String>,
        /// Seconds, sent as `Retry-After`.
        retry_after: Option<u64>,
    },
    /// Answers as usual, this much later.
    Delay { ms: u64 },
    /// Never answers; the client gives up.
    Hang,
    /// Resets the connection (TCP RST) instead of answering.
    Reset,
    /// Stops a streamed answer after this many chunks, without its end; a whole answer is cut
    /// after its headers.
    Cut { after_chunks: usize },
    /// Sends one chunk that is not JSON after this many chunks, then goes on.
    Malformed { after_chunks: usize },
    /// One of the simulator's failures (`--failure-types`), picked at random.
    Failure { types: Vec<FailureType> },
}

/// The chunk a `Malformed` rule sends: an SSE event whose data is not JSON.
pub const MALFORMED_CHUNK: &[u8] = b"data: {\"id\": \"malformed-by-mock-vllm\", \"choices\": [{\"delta\n\n";

impl Action {
    pub(super) fn validate(&self) -> Result<(), String> {
        match self {
            Action::Status { status, .. } if !(400..=599).contains(status) => {
                Err(format!("a rule's status must be 400 to 599, got {status}"))
            }
            Action::Failure { types } if types.is_empty() => Err("a failure rule needs at least one type".to_owned()),
            _ => Ok(()),
        }
    }

    /// The action on one request: `model` is the body's (empty when none was read), `draw` a
    /// number in `[0, 1)` from the rule's seeded generator, for an action that picks.
    pub(super) fn effect(&self, model: &str, draw: impl FnOnce() -> f64) -> Effect {
        let then = match self {
            Action::Status {
                status,
                message,
                retry_after,
            } => Then::Answer(ApiError::injected(*status, message.clone(), *retry_after)),
            Action::Delay { ms } => {
                return Effect {
                    delay: Some(Duration::from_millis(*ms)),
                    then: Then::Serve(None),
                };
            }
            Action::Hang => Then::Hang,
            Action::Reset => Then::Reset,
            Action::Cut { after_chunks } => Then::Serve(Some(ChunkFault {
                after_chunks: *after_chunks,
                spoil: Spoil::Cut,
            })),
            Action::Malformed { after_chunks } => Then::Serve(Some(ChunkFault {
                after_chunks: *after_chunks,
                spoil: Spoil::Insert(MALFORMED_CHUNK),
            })),
            Action::Failure { types } => {
                let pick = (draw() * types.len() as f64) as usize;
                Then::Answer(types[pick.min(types.len() - 1)].error(model))
            }
        };
        Effect { delay: None, then }
    }
}

/// An action resolved for one request: first a wait, then what becomes of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// How long the request waits before the rest (journaled as the rule's delay).
    pub delay: Option<Duration>,
    pub then: Then,
}

/// What becomes of the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// The handler answers, its chunks spoiled when a fault is given.
    Serve(Option<ChunkFault>),
    /// This error answers instead of the handler.
    Answer(ApiError),
    /// Nothing answers: the request waits until its client gives up.
    Hang,
    /// The connection is reset: no status is sent.
    Reset,
}

/// What a rule does to an answer's chunks: once `after_chunks` have been sent, `spoil`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkFault {
    pub after_chunks: usize,
    pub spoil: Spoil,
}

/// The ways the delivery knows to spoil a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoil {
    /// Ends it there, without the rest or the end of the stream.
    Cut,
    /// Sends this chunk there, then goes on.
    Insert(&'static [u8]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_is_a_wait_and_a_fate() {
        let effect = |json: serde_json::Value| serde_json::from_value::<Action>(json).unwrap().effect("m", || 0.0);
        assert_eq!(
            effect(serde_json::json!({"type": "delay", "ms": 5})),
            Effect {
                delay: Some(Duration::from_millis(5)),
                then: Then::Serve(None)
            }
        );
        assert_eq!(effect(serde_json::json!({"type": "hang"})).then, Then::Hang);
        assert_eq!(
            effect(serde_json::json!({"type": "malformed", "after_chunks": 3})).then,
            Then::Serve(Some(ChunkFault {
                after_chunks: 3,
                spoil: Spoil::Insert(MALFORMED_CHUNK)
            }))
        );
        let failure = effect(serde_json::json!({"type": "failure", "types": ["server_error"]}));
        assert!(matches!(failure.then, Then::Answer(ref e) if e.status() == 503));
    }
}
