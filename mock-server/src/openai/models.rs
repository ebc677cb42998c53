//! `GET /v1/models`: vLLM's `ModelList` and `ModelCard`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    pub object: String,
    pub data: Vec<ModelCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub owned_by: String,
    pub root: Option<String>,
    pub parent: Option<String>,
    pub max_model_len: Option<u32>,
    pub permission: Vec<ModelPermission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPermission {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub allow_create_engine: bool,
    pub allow_sampling: bool,
    pub allow_logprobs: bool,
    pub allow_search_indices: bool,
    pub allow_view: bool,
    pub allow_fine_tuning: bool,
    pub organization: String,
    pub group: Option<String>,
    pub is_blocking: bool,
}

impl ModelCard {
    /// A card as vLLM lists a served model: `root` is the model path, owned by `vllm`.
    pub fn served(name: &str, root: &str, max_model_len: u32, created: u64) -> Self {
        ModelCard {
            id: name.to_owned(),
            object: "model".to_owned(),
            created,
            owned_by: "vllm".to_owned(),
            root: Some(root.to_owned()),
            parent: None,
            max_model_len: Some(max_model_len),
            permission: vec![ModelPermission {
                id: super::response_id("modelperm"),
                object: "model_permission".to_owned(),
                created,
                allow_create_engine: false,
                allow_sampling: true,
                allow_logprobs: true,
                allow_search_indices: false,
                allow_view: true,
                allow_fine_tuning: false,
                organization: "*".to_owned(),
                group: None,
                is_blocking: false,
            }],
        }
    }
}
