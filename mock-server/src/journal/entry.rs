//! One recorded request, as the journal stores it and the `/_mock` API and JSON Lines file show it.

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One request as the mock saw it, and what it answered.
///
/// The short strings a request brings (method, path, query, header names and values) are
/// [`CompactString`]s: up to 24 bytes inline, so a usual request's entry allocates nothing for
/// them (every request pays for its entry, `bench/load.py --instructions`). They deref to `str`
/// and compare with `&str`; the JSON is the same as with `String`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the journal, from 1, never reused (not even after a clear).
    pub seq: u64,
    /// When the request arrived (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub method: CompactString,
    pub path: CompactString,
    pub query: Option<CompactString>,
    /// Headers as received: names lower-cased, order and repeats kept.
    pub headers: Vec<Header>,
    /// The body as text, or base64 when it is not UTF-8; at most the journal's body limit.
    pub body: String,
    pub body_encoding: BodyEncoding,
    /// The body's full size in bytes, also when `body` holds only its start.
    pub body_size: usize,
    pub body_truncated: bool,
    pub status: u16,
    pub latency_ms: f64,
    /// The request's model, on AI routes.
    pub model: Option<String>,
    /// How many inputs or prompts the request carried, on AI routes.
    pub inputs: Option<usize>,
    /// What the mock answered, in a few words (the log's `Response:` line).
    pub summary: String,
    /// The mock that answered (`--instance-id`), to tell replicas apart.
    #[serde(default)]
    pub instance: Arc<str>,
    /// What the mock did to the request besides answering it.
    #[serde(default)]
    pub treatment: Treatment,
}

/// What the mock did to a request besides answering it: a fault rule, a wait for a running
/// slot, the latencies it sampled, and how a streamed answer ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Treatment {
    /// The id of the fault rule applied, if one was.
    pub rule: Option<String>,
    /// Time spent waiting for a running slot (`--max-num-seqs`).
    pub queued_ms: f64,
    /// The delay a rule added.
    pub delay_ms: f64,
    /// The time to first token sampled for it (prefill included), where timing is on.
    pub first_token_ms: Option<f64>,
    /// The mean of the inter-token latencies sampled for it, where timing is on.
    pub inter_token_ms: Option<f64>,
    /// On a streamed answer: the chunks sent, `[DONE]` included.
    pub chunks_sent: Option<usize>,
    /// The client went away before the answer was complete; the mock stopped working on it,
    /// as vLLM aborts a request whose client disconnected.
    pub aborted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: CompactString,
    pub value: CompactString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    Utf8,
    Base64,
}

/// A body as the journal keeps it: text when it is UTF-8, base64 otherwise, cut at `limit` bytes.
pub struct StoredBody {
    pub body: String,
    pub encoding: BodyEncoding,
    pub truncated: bool,
}

impl StoredBody {
    pub fn new(bytes: &[u8], limit: usize) -> Self {
        let kept = &bytes[..bytes.len().min(limit)];
        let truncated = kept.len() < bytes.len();
        match std::str::from_utf8(kept) {
            Ok(text) => StoredBody {
                body: text.to_owned(),
                encoding: BodyEncoding::Utf8,
                truncated,
            },
            // A cut through a multi-byte character is still text: keep the whole characters.
            Err(err) if truncated && err.error_len().is_none() => StoredBody {
                body: String::from_utf8_lossy(&kept[..err.valid_up_to()]).into_owned(),
                encoding: BodyEncoding::Utf8,
                truncated,
            },
            Err(_) => StoredBody {
                body: BASE64.encode(kept),
                encoding: BodyEncoding::Base64,
                truncated,
            },
        }
    }
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of header `name`, in the order received.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The stored body's bytes, decoding base64 where needed.
    pub fn body_bytes(&self) -> Cow<'_, [u8]> {
        match self.body_encoding {
            BodyEncoding::Utf8 => Cow::Borrowed(self.body.as_bytes()),
            BodyEncoding::Base64 => Cow::Owned(BASE64.decode(&self.body).unwrap_or_default()),
        }
    }

    /// About how many bytes the entry holds in memory, for the journal's byte bound.
    pub fn approximate_size(&self) -> usize {
        /// The struct itself, its allocations' headers, and the `Arc` around it.
        const OVERHEAD: usize = 512;
        let headers: usize = self.headers.iter().map(|h| h.name.len() + h.value.len() + 48).sum();
        OVERHEAD
            + headers
            + self.body.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, CompactString::len)
            + self.summary.len()
            + self.model.as_ref().map_or(0, String::len)
            + self.instance.len()
    }

    /// The body parsed as JSON, when it is JSON and was stored whole.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        if self.body_truncated {
            return None;
        }
        serde_json::from_slice(&self.body_bytes()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bodies_stay_text() {
        let b = StoredBody::new(br#"{"input":"hi"}"#, 1024);
        assert_eq!(b.body, r#"{"input":"hi"}"#);
        assert_eq!(b.encoding, BodyEncoding::Utf8);
        assert!(!b.truncated);
    }

    #[test]
    fn binary_bodies_become_base64() {
        let b = StoredBody::new(&[0xff, 0xfe, 0x00], 1024);
        assert_eq!(b.encoding, BodyEncoding::Base64);
        assert_eq!(BASE64.decode(b.body).unwrap(), [0xff, 0xfe, 0x00]);
    }

    #[test]
    fn a_cut_through_a_character_keeps_whole_characters() {
        let b = StoredBody::new("aé".as_bytes(), 2);
        assert_eq!(b.body, "a");
        assert_eq!(b.encoding, BodyEncoding::Utf8);
        assert!(b.truncated);
    }

    #[test]
    fn headers_are_found_case_insensitively_with_repeats() {
        let entry = RecordedRequest {
            seq: 1,
            time: OffsetDateTime::UNIX_EPOCH,
            method: "GET".into(),
            path: "/".into(),
            query: None,
            headers: vec![
                Header {
                    name: "x-a".into(),
                    value: "1".into(),
                },
                Header {
                    name: "x-a".into(),
                    value: "2".into(),
                },
            ],
            body: String::new(),
            body_encoding: BodyEncoding::Utf8,
            body_size: 0,
            body_truncated: false,
            status: 200,
            latency_ms: 0.0,
            model: None,
            inputs: None,
            summary: String::new(),
            instance: Default::default(),
            treatment: Treatment::default(),
        };
        assert_eq!(entry.header("X-A"), Some("1"));
        assert_eq!(entry.headers_named("x-a").collect::<Vec<_>>(), ["1", "2"]);
    }
}
