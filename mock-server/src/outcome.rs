//! What a handler tells the recorder about the request it served.
//!
//! Handlers attach an [`Outcome`] to their response's extensions; the recorder reads it to fill
//! the journal entry's `model`, `inputs` and `summary` and the log's `Response:` line.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The model the request named (AI routes only).
    pub model: Option<String>,
    /// How many inputs or prompts the request carried (AI routes only).
    pub inputs: Option<usize>,
    /// One line for the log, e.g. `embedding with 10 dims`.
    pub summary: String,
}

impl Outcome {
    pub fn summary(summary: impl Into<String>) -> Self {
        Outcome {
            summary: summary.into(),
            ..Outcome::default()
        }
    }

    pub fn ai(model: &str, inputs: usize, summary: impl Into<String>) -> Self {
        Outcome {
            model: Some(model.to_owned()),
            inputs: Some(inputs),
            summary: summary.into(),
        }
    }

    /// Attaches the outcome to a response.
    pub fn attach<R: axum::response::IntoResponse>(self, response: R) -> axum::response::Response {
        let mut response = response.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
