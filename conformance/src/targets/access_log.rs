//! The client's hop as the gateway recorded it: one access record per request, parsed from
//! the gateway's own log.
//!
//! Each gateway has its own line format, parsed in its own file (`Gateway::access_line`) into
//! an [`AccessRecord`], with the helpers here. Where no gateway stands in front of the mock, the mock's journal entry is the
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
            method: entry.method.to_string(),
            path: entry.path.to_string(),
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

/// A request target without its query: the path the records compare.
pub fn without_query(target: &str) -> String {
    target.split('?').next().unwrap_or_default().to_owned()
}

/// The `key=value` fields of a log line (agentgateway's, sglang-router's, our nginx format).
pub struct Fields<'a>(Vec<(&'a str, String)>);

impl<'a> Fields<'a> {
    pub fn of(line: &'a str) -> Self {
        Fields(key_values(line))
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }
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

    #[test]
    fn key_values_take_quoted_values_whole() {
        let fields = key_values(r#"info request route=a/b error="upstream call failed: Connect" x= y=1"#);
        assert_eq!(
            fields,
            [
                ("route", "a/b".to_owned()),
                ("error", "upstream call failed: Connect".to_owned()),
                ("x", String::new()),
                ("y", "1".to_owned()),
            ]
        );
        assert_eq!(without_query("/v1/models?x=1"), "/v1/models");
    }
}
