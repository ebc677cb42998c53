//! Hops and how a mismatch on one is shown.
//!
//! A request crosses three hops: the client to the gateway (read from the gateway's own access
//! log), the gateway to the upstream vLLM server (read from the mock's journal), and the answer
//! back to the client. An assertion names its hop and what it checked, and on failure prints
//! expected against seen with the evidence: the gateway's line, the journal entry, or the
//! client's exchange.

use std::fmt;

use mock_vllm::RecordedRequest;

use crate::client::Exchange;
use crate::targets::AccessRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    ClientToGateway,
    GatewayToUpstream,
    UpstreamToClient,
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hop::ClientToGateway => "client → gateway",
            Hop::GatewayToUpstream => "gateway → upstream",
            Hop::UpstreamToClient => "upstream → client",
        })
    }
}

/// A failed hop assertion, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub hop: Hop,
    pub what: String,
    pub expected: String,
    pub seen: String,
    pub evidence: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "hop {}: {}", self.hop, self.what)?;
        writeln!(f, "  expected: {}", self.expected)?;
        writeln!(f, "  seen:     {}", self.seen)?;
        write!(f, "{}", self.evidence)
    }
}

impl std::error::Error for Mismatch {}

/// The journal entry as evidence: its line and headers, and its body.
pub fn entry_evidence(entry: &RecordedRequest) -> String {
    let mut text = format!(
        "  journal entry #{}: {} {}{} -> {} ({})\n",
        entry.seq,
        entry.method,
        entry.path,
        entry.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default(),
        entry.status,
        entry.summary
    );
    for header in &entry.headers {
        text.push_str(&format!("    {}: {}\n", header.name, header.value));
    }
    text.push_str(&format!("    body: {}\n", clip(&entry.body)));
    text
}

/// The client's exchange as evidence.
pub fn exchange_evidence(exchange: &Exchange) -> String {
    format!(
        "  client sent: {} {}\n  client got:  {} {}\n",
        exchange.request.method,
        exchange.request.url,
        exchange.status,
        clip(&String::from_utf8_lossy(&exchange.body))
    )
}

fn clip(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Checks one value of an upstream request against the journal entry that carries it.
pub fn upstream<T: fmt::Debug + PartialEq>(
    entry: &RecordedRequest,
    what: &str,
    expected: T,
    seen: T,
) -> Result<(), Mismatch> {
    check(Hop::GatewayToUpstream, what, expected, seen, || entry_evidence(entry))
}

/// Checks one value of the client's hop against the gateway's own record of it.
pub fn arrived<T: fmt::Debug + PartialEq>(
    record: &AccessRecord,
    exchange: &Exchange,
    what: &str,
    expected: T,
    seen: T,
) -> Result<(), Mismatch> {
    check(Hop::ClientToGateway, what, expected, seen, || {
        format!("  gateway logged: {}\n{}", record.line, exchange_evidence(exchange))
    })
}

/// Checks one value of what the client got back.
pub fn returned<T: fmt::Debug + PartialEq>(
    exchange: &Exchange,
    what: &str,
    expected: T,
    seen: T,
) -> Result<(), Mismatch> {
    check(Hop::UpstreamToClient, what, expected, seen, || {
        exchange_evidence(exchange)
    })
}

/// Checks one value on `hop`; `evidence` is only built for a mismatch.
pub fn check<T: fmt::Debug + PartialEq>(
    hop: Hop,
    what: &str,
    expected: T,
    seen: T,
    evidence: impl FnOnce() -> String,
) -> Result<(), Mismatch> {
    if expected == seen {
        return Ok(());
    }
    Err(Mismatch {
        hop,
        what: what.to_owned(),
        expected: format!("{expected:?}"),
        seen: format!("{seen:?}"),
        evidence: evidence(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_vllm::journal::{BodyEncoding, Header};

    fn entry() -> RecordedRequest {
        RecordedRequest {
            seq: 7,
            time: time::OffsetDateTime::UNIX_EPOCH,
            method: "POST".into(),
            path: "/embeddings".into(),
            query: None,
            headers: vec![Header {
                name: "authorization".into(),
                value: "Bearer wrong".into(),
            }],
            body: "{}".into(),
            body_encoding: BodyEncoding::Utf8,
            body_size: 2,
            body_truncated: false,
            status: 404,
            latency_ms: 0.1,
            model: None,
            inputs: None,
            summary: "error 404 Not Found".into(),
            instance: Default::default(),
            treatment: Default::default(),
        }
    }

    #[test]
    fn a_mismatch_shows_hop_expected_seen_and_the_entry() {
        let err = upstream(&entry(), "path", "/v1/embeddings", "/embeddings").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("hop gateway → upstream: path\n"), "{text}");
        assert!(text.contains("  expected: \"/v1/embeddings\"\n  seen:     \"/embeddings\"\n"));
        assert!(text.contains("journal entry #7: POST /embeddings -> 404"));
        assert!(text.contains("    authorization: Bearer wrong"));
    }

    #[test]
    fn equal_values_pass() {
        assert!(upstream(&entry(), "status", 404, 404).is_ok());
    }
}
