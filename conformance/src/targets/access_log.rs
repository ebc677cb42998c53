//! The client's hop as the gateway recorded it: one access record per request, parsed from
//! the gateway's own log.
//!
//! Each gateway has its own line format; a parser turns a line into an [`AccessRecord`] or
//! passes it by. Where no gateway stands in front of the mock, the mock's journal entry is the
//! record of the client's hop ([`AccessRecord::from_journal`]).

use mock_vllm::RecordedRequest;

/// One request as the first server it reached logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    pub method: String,
    /// The path the client sent, without the query.
    pub path: String,
    pub status: Option<u16>,
    /// The route the gateway matched, where it names one (agentgateway's `route=`).
    pub route: Option<String>,
    /// The upstream address the gateway dialled, where it logs one (agentgateway's `endpoint=`).
    pub endpoint: Option<String>,
    /// The line as logged, for evidence.
    pub line: String,
}

impl AccessRecord {
    /// A journal entry as the record of a client's request to the mock itself.
    pub fn from_journal(entry: &RecordedRequest) -> Self {
        AccessRecord {
            method: entry.method.clone(),
            path: entry.path.clone(),
            status: Some(entry.status),
            route: None,
            endpoint: None,
            line: format!(
                "journal entry #{}: {} {} -> {}",
                entry.seq, entry.method, entry.path, entry.status
            ),
        }
    }
}

/// Every record `parse` finds in `log`, oldest first.
pub fn records(log: &str, parse: fn(&str) -> Option<AccessRecord>) -> Vec<AccessRecord> {
    log.lines().filter_map(parse).collect()
}

/// agentgateway's access line: `key=value` fields (values with spaces in double quotes), e.g.
/// `info request gateway=default/default listener=listener0 route=default/qwen3
/// endpoint=127.0.0.1:18600 ... http.method=POST http.path=/qwen3 http.status=200 ...`.
pub fn agentgateway_line(line: &str) -> Option<AccessRecord> {
    let fields = key_values(line);
    let field = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let path = field("http.path")?;
    Some(AccessRecord {
        method: field("http.method")?,
        path: path.split('?').next().unwrap_or_default().to_owned(),
        status: field("http.status").and_then(|s| s.parse().ok()),
        route: field("route"),
        endpoint: field("endpoint"),
        line: line.to_owned(),
    })
}

/// uvicorn's access line, as the LiteLLM proxy logs it:
/// `INFO:     127.0.0.1:49916 - "POST /v1/embeddings HTTP/1.1" 200 OK`.
pub fn uvicorn_line(line: &str) -> Option<AccessRecord> {
    let (_, rest) = line.split_once(" - \"")?;
    let (request_line, after) = rest.split_once('"')?;
    let mut request = request_line.split(' ');
    let (method, target, version) = (request.next()?, request.next()?, request.next()?);
    if !version.starts_with("HTTP/") {
        return None;
    }
    Some(AccessRecord {
        method: method.to_owned(),
        path: target.split('?').next().unwrap_or_default().to_owned(),
        status: after.split_whitespace().next().and_then(|s| s.parse().ok()),
        route: None,
        endpoint: None,
        line: line.to_owned(),
    })
}

/// `key=value` pairs of a log line; a value may be double-quoted and hold spaces.
fn key_values(line: &str) -> Vec<(&str, String)> {
    let mut fields = Vec::new();
    let mut rest = line;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let key = &rest[key_start..eq];
        let after = &rest[eq + 1..];
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (quoted[..end].to_owned(), &quoted[(end + 1).min(quoted.len())..])
            }
            None => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (after[..end].to_owned(), &after[end..])
            }
        };
        if !key.is_empty() {
            fields.push((key, value));
        }
        rest = next;
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the shared reference quotes the line of agentgateway d579b414f.
    const AGENTGATEWAY: &str = "info request gateway=default/default listener=listener0 route=default/qwen3 \
        endpoint=127.0.0.1:18600 src.addr=127.0.0.1:56272 http.method=POST http.host=localhost \
        http.path=/qwen3/v1/chat/completions http.version=HTTP/1.1 http.status=400 protocol=llm \
        gen_ai.operation.name=chat gen_ai.provider.name=openai duration=6ms";

    #[test]
    fn agentgateway_lines_give_route_endpoint_method_path_and_status() {
        let record = agentgateway_line(AGENTGATEWAY).unwrap();
        assert_eq!(record.route.as_deref(), Some("default/qwen3"));
        assert_eq!(record.endpoint.as_deref(), Some("127.0.0.1:18600"));
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/qwen3/v1/chat/completions", Some(400))
        );
    }

    #[test]
    fn quoted_values_and_other_lines() {
        let line = r#"2026-11-25T10:00:00Z info request route=default/qwen3 error="upstream call failed: Connect" http.method=GET http.path=/qwen3/v1/models?x=1 http.status=503"#;
        let record = agentgateway_line(line).unwrap();
        assert_eq!(record.path, "/qwen3/v1/models");
        assert_eq!(record.status, Some(503));
        assert!(agentgateway_line("info state_manager loaded config").is_none());
        assert!(agentgateway_line("").is_none());
    }

    #[test]
    fn uvicorn_lines_give_method_path_and_status() {
        let record = uvicorn_line(r#"INFO:     127.0.0.1:49916 - "POST /v1/embeddings HTTP/1.1" 200 OK"#).unwrap();
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/v1/embeddings", Some(200))
        );
        assert_eq!(record.route, None);
        assert!(uvicorn_line("LiteLLM: Proxy initialized with Config").is_none());
        let log = "x\nINFO:     1.2.3.4:5 - \"GET /health/liveliness HTTP/1.1\" 200 OK\ny\n";
        assert_eq!(records(log, uvicorn_line).len(), 1);
    }
}
