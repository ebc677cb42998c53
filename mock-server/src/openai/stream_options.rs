//! `stream_options`, which chat and completions share.

use serde::Deserialize;

/// vLLM's `StreamOptions`: usage at the end (by default, once `stream_options` is given), or
/// on every chunk too.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StreamOptions {
    pub include_usage: Option<bool>,
    pub continuous_usage_stats: Option<bool>,
    /// Anything else: the object is still "given", as Python's truthiness sees a dict.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl StreamOptions {
    /// Given and not empty.
    pub fn is_set(&self) -> bool {
        self.include_usage.is_some() || self.continuous_usage_stats.is_some() || !self.other.is_empty()
    }

    /// Whether a stream ends with a usage chunk, and whether every chunk carries usage.
    pub fn usage(options: Option<&StreamOptions>) -> (bool, bool) {
        match options {
            None => (false, false),
            Some(options) => {
                let include = options.include_usage.unwrap_or(true);
                (include, include && options.continuous_usage_stats.unwrap_or(false))
            }
        }
    }
}
