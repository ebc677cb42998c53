//! `POST /tokenize` and `POST /detokenize`: vLLM's `TokenizeRequest` (a prompt, or chat
//! messages), `TokenizeResponse`, `DetokenizeRequest` and `DetokenizeResponse`.

use serde::{Deserialize, Serialize};

use super::RequestBody;
use super::messages::ChatMessage;
use super::model_validators::generation_prompt_conflict;
use super::validation::{FieldError, Int, Loc};

#[derive(Debug, Clone, Deserialize)]
pub struct TokenizeRequest {
    pub model: Option<String>,
    /// `TokenizeCompletionRequest`: one prompt, a string.
    pub prompt: Option<String>,
    /// `TokenizeChatRequest`: a conversation.
    pub messages: Option<Vec<ChatMessage>>,
    pub add_special_tokens: Option<bool>,
    /// Defaults to true for a conversation, as in vLLM.
    pub add_generation_prompt: Option<bool>,
    #[serde(default)]
    pub continue_final_message: bool,
    #[serde(default)]
    pub return_token_strs: Option<bool>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub chat_template_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
}

impl RequestBody for TokenizeRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::TOKENIZE_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        if self.messages.is_some() && self.continue_final_message && self.add_generation_prompt == Some(true) {
            return vec![generation_prompt_conflict()];
        }
        if self.prompt.is_none() && self.messages.is_none() {
            return vec![FieldError::missing("prompt")];
        }
        vec![]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenizeResponse {
    pub count: usize,
    pub max_model_len: u32,
    pub tokens: Vec<u32>,
    pub token_strs: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DetokenizeRequest {
    pub model: Option<String>,
    pub tokens: Option<Vec<Int>>,
}

impl RequestBody for DetokenizeRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::DETOKENIZE_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        match &self.tokens {
            None => vec![FieldError::missing("tokens")],
            Some(tokens) => tokens
                .iter()
                .enumerate()
                .filter(|(_, Int(id))| *id < 0)
                .map(|(i, Int(id))| FieldError::greater_than_equal(vec!["tokens".into(), Loc::Index(i)], *id, 0))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetokenizeResponse {
    pub prompt: String,
}
