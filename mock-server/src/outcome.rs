//! What a handler tells the recorder about the request it served.
//!
//! Handlers attach an [`Outcome`] to their response's extensions; the recorder reads it to fill
//! the journal entry's `model`, `inputs` and `summary` and the log's `Response:` line, and, for
//! the engine's work ([`Work`]), to time the answer, hold a running slot and count vLLM's
//! metrics.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The model the request named (AI routes only).
    pub model: Option<String>,
    /// How many inputs or prompts the request carried (AI routes only).
    pub inputs: Option<usize>,
    /// One line for the log, e.g. `embedding with 10 dims`.
    pub summary: String,
    /// The engine's part of the answer, on the routes a model serves.
    pub work: Option<Work>,
}

/// What the engine did for a request: the tokens in and out, and how the answer is streamed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    pub prompt_tokens: usize,
    /// Tokens generated (per choice), 0 for pooling.
    pub completion_tokens: usize,
    /// `stop` or `length`, for `vllm:request_success_total`.
    pub finish_reason: &'static str,
    /// Streamed: how many frames come before the first token's (a chat stream's role chunk).
    pub stream: Option<StreamShape>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamShape {
    /// Frames sent with the first token, before its own frame.
    pub leading_frames: usize,
    /// Frames that each carry one token, after the leading ones; the rest follow the last.
    pub token_frames: usize,
}

impl Outcome {
    pub fn summary(summary: impl Into<String>) -> Self {
        Outcome {
            summary: summary.into(),
            ..Outcome::default()
        }
    }

    pub fn ai(model: impl Into<String>, inputs: usize, summary: impl Into<String>) -> Self {
        Outcome {
            model: Some(model.into()),
            inputs: Some(inputs),
            summary: summary.into(),
            work: None,
        }
    }

    /// The engine's part: tokens in and out.
    pub fn with_work(mut self, work: Work) -> Self {
        self.work = Some(work);
        self
    }

    /// Attaches the outcome to a response.
    pub fn attach<R: axum::response::IntoResponse>(self, response: R) -> axum::response::Response {
        let mut response = response.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
