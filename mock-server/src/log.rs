//! The per-request log on stdout: the workshop's block, or one JSON object per request.
//!
//! The workshop checks the upstream with `kubectl logs ... --tail=15` and reads a block like
//!
//! ```text
//! === REQUEST ===
//! Path: /v1/embeddings
//! Headers:
//!   content-type: application/json
//!   authorization: Bearer <your-api-key>
//!   host: mock-vllm.enterprise-agentgateway.svc.cluster.local
//! Body: {"model": "/apps/ecs_mounts/data/q3.6b", "input": "The food was delicious..."}
//! Response: embedding with 10 dims
//! ===============
//! ```
//!
//! so that is what we print. Credentials are masked unless `--log-secrets` is given.

use std::borrow::Cow;
use std::io::Write;
use std::sync::Arc;

use crate::journal::{BodyEncoding, Header, RecordedRequest, Subscriber, sink::LineSink};

/// How many characters of the body the block shows, as the workshop's mock does.
const BODY_PREVIEW_CHARS: usize = 500;

/// Headers whose values are credentials.
const SECRET_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "x-api-key", "api-key"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// The workshop's `=== REQUEST ===` block.
    #[default]
    Text,
    /// One JSON object per request: the journal entry.
    Json,
    /// No per-request log.
    Off,
}

/// Where and how requests are logged.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub format: LogFormat,
    pub secrets: bool,
    /// Paths that are journaled but not logged (e.g. probes on `/health`).
    pub skip_paths: Vec<String>,
}

/// The journal subscriber that prints each request to `out`, or none when logging is off.
pub fn subscriber(options: LogOptions, out: Box<dyn Write + Send>) -> std::io::Result<Option<Subscriber>> {
    if options.format == LogFormat::Off {
        return Ok(None);
    }
    let format = move |entry: &Arc<RecordedRequest>, buf: &mut Vec<u8>| {
        if options.skip_paths.iter().any(|p| *p == entry.path) {
            return;
        }
        match options.format {
            LogFormat::Text => workshop_block(entry, options.secrets, buf),
            LogFormat::Json => json_line(entry, options.secrets, buf),
            LogFormat::Off => {}
        }
    };
    LineSink::spawn("mock-vllm-log", out, Box::new(format)).map(Some)
}

/// The workshop's block for one request.
///
/// Written piece by piece rather than with `write!`: the log thread formats every request, and
/// `fmt`'s machinery, a copy of each header value and a count of the body's characters cost
/// more than the block's own bytes (`bench/load.py --instructions`).
pub fn workshop_block(entry: &RecordedRequest, secrets: bool, buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"\n=== REQUEST ===\nPath: ");
    buf.extend_from_slice(entry.path.as_bytes());
    if let Some(query) = &entry.query {
        buf.push(b'?');
        buf.extend_from_slice(query.as_bytes());
    }
    buf.extend_from_slice(b"\nHeaders:\n");
    for header in &entry.headers {
        buf.extend_from_slice(b"  ");
        buf.extend_from_slice(header.name.as_bytes());
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(shown_value(header, secrets).as_bytes());
        buf.push(b'\n');
    }
    buf.extend_from_slice(b"Body: ");
    match entry.body_encoding {
        BodyEncoding::Utf8 => buf.extend_from_slice(preview(&entry.body).as_bytes()),
        BodyEncoding::Base64 => {
            let _ = write!(buf, "<{} bytes, not UTF-8>", entry.body_size);
        }
    }
    buf.extend_from_slice(b"\nResponse: ");
    buf.extend_from_slice(entry.summary.as_bytes());
    buf.extend_from_slice(b"\n===============\n");
}

/// The entry as one JSON line, credentials masked unless `secrets`.
pub fn json_line(entry: &RecordedRequest, secrets: bool, buf: &mut Vec<u8>) {
    let result = if secrets {
        serde_json::to_writer(&mut *buf, entry)
    } else {
        let mut masked = entry.clone();
        for header in &mut masked.headers {
            header.value = shown_value(header, false).into();
        }
        serde_json::to_writer(&mut *buf, &masked)
    };
    if result.is_ok() {
        buf.push(b'\n');
    }
}

fn shown_value(header: &Header, secrets: bool) -> Cow<'_, str> {
    if secrets || !SECRET_HEADERS.contains(&header.name.as_str()) {
        Cow::Borrowed(&header.value)
    } else {
        Cow::Owned(mask(&header.value))
    }
}

/// `Bearer sk-abcdef` becomes `Bearer sk-a****`: the scheme and the first 4 characters.
pub fn mask(value: &str) -> String {
    let (scheme, secret) = match value.split_once(' ') {
        Some((scheme, secret)) => (format!("{scheme} "), secret),
        None => (String::new(), value),
    };
    let shown: String = secret.chars().take(4).collect();
    format!("{scheme}{shown}****")
}

fn preview(body: &str) -> &str {
    // A body of at most that many bytes has at most that many characters: no need to count.
    if body.len() <= BODY_PREVIEW_CHARS {
        return body;
    }
    match body.char_indices().nth(BODY_PREVIEW_CHARS) {
        Some((cut, _)) => &body[..cut],
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn workshop_entry() -> RecordedRequest {
        RecordedRequest {
            seq: 1,
            time: OffsetDateTime::UNIX_EPOCH,
            method: "POST".into(),
            path: "/v1/embeddings".into(),
            query: None,
            headers: vec![
                Header {
                    name: "content-type".into(),
                    value: "application/json".into(),
                },
                Header {
                    name: "authorization".into(),
                    value: "Bearer sk-workshop-key".into(),
                },
                Header {
                    name: "host".into(),
                    value: "mock-vllm.enterprise-agentgateway.svc.cluster.local".into(),
                },
            ],
            body: r#"{"model": "/apps/ecs_mounts/data/q3.6b", "input": "The food was delicious..."}"#.into(),
            body_encoding: BodyEncoding::Utf8,
            body_size: 79,
            body_truncated: false,
            status: 200,
            latency_ms: 0.2,
            model: Some("/apps/ecs_mounts/data/q3.6b".into()),
            inputs: Some(1),
            summary: "embedding with 10 dims".into(),
            instance: Default::default(),
            treatment: Default::default(),
        }
    }

    #[test]
    fn block_reads_like_the_workshop() {
        let mut buf = Vec::new();
        workshop_block(&workshop_entry(), true, &mut buf);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "\n=== REQUEST ===\n\
             Path: /v1/embeddings\n\
             Headers:\n  \
             content-type: application/json\n  \
             authorization: Bearer sk-workshop-key\n  \
             host: mock-vllm.enterprise-agentgateway.svc.cluster.local\n\
             Body: {\"model\": \"/apps/ecs_mounts/data/q3.6b\", \"input\": \"The food was delicious...\"}\n\
             Response: embedding with 10 dims\n\
             ===============\n"
        );
    }

    #[test]
    fn block_shows_the_query_and_a_binary_bodys_size() {
        let entry = RecordedRequest {
            query: Some("a=1&b=2".into()),
            headers: vec![],
            body: "//79".into(),
            body_encoding: BodyEncoding::Base64,
            body_size: 3,
            summary: String::new(),
            ..workshop_entry()
        };
        let mut buf = Vec::new();
        workshop_block(&entry, false, &mut buf);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "\n=== REQUEST ===\nPath: /v1/embeddings?a=1&b=2\nHeaders:\nBody: <3 bytes, not UTF-8>\nResponse: \n===============\n"
        );
    }

    #[test]
    fn credentials_are_masked_by_default() {
        let mut buf = Vec::new();
        workshop_block(&workshop_entry(), false, &mut buf);
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("  authorization: Bearer sk-w****\n"), "{text}");
        assert!(!text.contains("sk-workshop-key"));

        let mut buf = Vec::new();
        json_line(&workshop_entry(), false, &mut buf);
        let line = String::from_utf8(buf).unwrap();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        assert!(!line.contains("sk-workshop-key"));
        let back: RecordedRequest = serde_json::from_str(&line).unwrap();
        assert_eq!(back.header("authorization"), Some("Bearer sk-w****"));
    }

    #[test]
    fn mask_keeps_scheme_and_four_characters() {
        assert_eq!(mask("Bearer abcdefgh"), "Bearer abcd****");
        assert_eq!(mask("abcdefgh"), "abcd****");
        assert_eq!(mask("Bearer ab"), "Bearer ab****");
    }

    #[test]
    fn body_preview_is_500_characters() {
        let body = "é".repeat(600);
        assert_eq!(preview(&body).chars().count(), 500);
        assert_eq!(preview("short"), "short");
    }
}
