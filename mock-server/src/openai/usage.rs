//! Token accounting shared by every endpoint.

use serde::{Deserialize, Serialize};

use super::unset::Null;

/// vLLM's `UsageInfo`, every field as vLLM 0.33.0 writes it (the details `null` when unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub total_tokens: usize,
    pub completion_tokens: usize,
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// `reasoning_tokens` where a reasoning parser counts them; never here.
    pub completion_tokens_details: Option<CompletionTokensDetails>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptTokensDetails {
    pub cached_tokens: Option<usize>,
}

/// vLLM's `CompletionTokenUsageInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionTokensDetails {
    pub reasoning_tokens: usize,
}

impl Usage {
    pub fn new(prompt_tokens: usize, completion_tokens: usize) -> Self {
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            prompt_tokens_details: None,
            completion_tokens_details: None,
        }
    }
}

/// The usage a stream chunk carries, as vLLM 0.33.0 writes it: the closing usage chunk has the
/// three counts only; with `continuous_usage_stats` every chunk has its counts so far and
/// `completion_tokens_details: null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkUsage {
    pub prompt_tokens: usize,
    pub total_tokens: usize,
    pub completion_tokens: usize,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub completion_tokens_details: Null,
}

impl ChunkUsage {
    /// The closing usage chunk's.
    pub fn total(prompt_tokens: usize, completion_tokens: usize) -> Self {
        ChunkUsage {
            prompt_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            completion_tokens,
            completion_tokens_details: Null::Unset,
        }
    }

    /// A chunk's, with `continuous_usage_stats`.
    pub fn so_far(prompt_tokens: usize, completion_tokens: usize) -> Self {
        ChunkUsage {
            completion_tokens_details: Null::Sent,
            ..ChunkUsage::total(prompt_tokens, completion_tokens)
        }
    }
}
