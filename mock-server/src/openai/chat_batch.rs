//! `POST /v1/chat/completions/batch`: vLLM 0.33.0's `BatchChatCompletionRequest`, a chat
//! request whose `messages` are a list of conversations. vLLM answers each as a chat request of
//! its own, made of the body's other fields (unknown ones too: its models keep extra fields)
//! and one conversation (`to_chat_completion_request`), and returns one choice per
//! conversation.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::RequestBody;
use super::validation::FieldError;

/// The body as sent; vLLM's model validates it (`schema`), and each conversation's request is
/// then read as a chat request.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct BatchChatCompletionRequest {
    body: Map<String, Value>,
}

impl BatchChatCompletionRequest {
    /// Each conversation's chat request, as JSON: the other fields with its `messages`.
    pub fn conversations(&self) -> Vec<Vec<u8>> {
        let Some(Value::Array(conversations)) = self.body.get("messages") else {
            return Vec::new();
        };
        conversations
            .iter()
            .map(|messages| {
                let mut body = self.body.clone();
                body.insert("messages".to_owned(), messages.clone());
                // vLLM passes on the batch's defaults too (`model_dump`), and the batch's
                // `tool_choice` defaults to "none", not to a chat request's "auto" with tools.
                body.entry("tool_choice").or_insert_with(|| Value::from("none"));
                serde_json::to_vec(&body).unwrap_or_default()
            })
            .collect()
    }

    /// The body's `request_id`, which the answer's id takes after a client's `X-Request-Id`.
    pub fn request_id(&self) -> Option<&str> {
        self.body.get("request_id").and_then(Value::as_str)
    }
}

impl RequestBody for BatchChatCompletionRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::BATCH_CHAT_COMPLETION_REQUEST)
    }

    /// Every body serde reads (any object) is checked as pydantic checks it: the batch's own
    /// validator, then `messages`; the other fields are checked per conversation.
    fn check(&self) -> Vec<FieldError> {
        super::pydantic::validate(
            &super::vllm_models::BATCH_CHAT_COMPLETION_REQUEST,
            &Value::Object(self.body.clone()),
        )
    }
}
