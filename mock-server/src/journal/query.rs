//! The filters of the `/_mock/requests` family, shared by list, count, last and wait.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::RecordedRequest;

/// Which entries a query selects; every field left out selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// HTTP method, case-insensitive.
    pub method: Option<String>,
    /// Exact path, without the query string.
    pub path: Option<String>,
    pub path_prefix: Option<String>,
    /// Only entries with a larger sequence number.
    pub since_seq: Option<u64>,
    /// At most this many entries, the oldest first (so `since_seq` pages forward).
    pub limit: Option<usize>,
}

impl Filter {
    pub fn matches(&self, entry: &RecordedRequest) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| entry.method.eq_ignore_ascii_case(m))
            && self.path.as_deref().is_none_or(|p| entry.path == p)
            && self.path_prefix.as_deref().is_none_or(|p| entry.path.starts_with(p))
            && self.since_seq.is_none_or(|seq| entry.seq > seq)
    }
}

/// The answer of `GET /_mock/requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestList {
    /// Entries recorded since start or the last clear, evicted ones included.
    pub total: u64,
    /// Entries the ring evicted to stay within its capacity since start or the last clear.
    pub dropped: u64,
    /// Shared with the journal: listing copies no entry.
    pub requests: Vec<Arc<RecordedRequest>>,
}

/// The answer of `GET /_mock/requests/count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub count: usize,
}
