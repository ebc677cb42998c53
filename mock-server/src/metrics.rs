//! `GET /metrics`: request counts by route, method and status, and the journal's size and drops,
//! in the OpenMetrics text format that Prometheus scrapes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::journal::Journal;

/// The routes that get a label of their own; every other path counts as `other`, so a client
/// probing random paths cannot grow the metric without bound.
const ROUTES: [&str; 8] = [
    "/v1/embeddings",
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/models",
    "/health",
    "/ping",
    "/version",
    "/metrics",
];

/// Static labels, so counting a request allocates nothing.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    journal_entries: Gauge,
    journal_dropped: Gauge,
    journal_write_errors: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("mock_vllm");
        let requests = Family::<RequestLabels, Counter>::default();
        let journal_entries = Gauge::default();
        let journal_dropped = Gauge::default();
        let journal_write_errors = Gauge::default();
        registry.register(
            "requests",
            "Requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "journal_entries",
            "Requests held in the in-memory journal",
            journal_entries.clone(),
        );
        registry.register(
            "journal_dropped",
            "Requests the journal ring evicted since start or the last clear",
            journal_dropped.clone(),
        );
        registry.register(
            "journal_write_errors",
            "Journal entries the log or the JSON Lines file failed to write",
            journal_write_errors.clone(),
        );
        Metrics {
            registry,
            requests,
            journal_entries,
            journal_dropped,
            journal_write_errors,
        }
    }
}

impl Metrics {
    pub fn count_request(&self, path: &str, method: &http::Method, status: u16) {
        let route = ROUTES.iter().find(|r| **r == path).copied().unwrap_or("other");
        let method = match *method {
            http::Method::GET => "GET",
            http::Method::POST => "POST",
            http::Method::PUT => "PUT",
            http::Method::DELETE => "DELETE",
            http::Method::HEAD => "HEAD",
            http::Method::OPTIONS => "OPTIONS",
            http::Method::PATCH => "PATCH",
            _ => "other",
        };
        self.requests
            .get_or_create(&RequestLabels { route, method, status })
            .inc();
    }

    /// The exposition text, with the journal gauges read now.
    pub fn render(&self, journal: &Journal) -> String {
        let as_gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.journal_entries.set(as_gauge(journal.len() as u64));
        self.journal_dropped.set(as_gauge(journal.dropped()));
        self.journal_write_errors.set(as_gauge(journal.subscriber_errors()));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_folds_unknown_paths() {
        let metrics = Metrics::default();
        metrics.count_request("/v1/embeddings", &http::Method::POST, 200);
        metrics.count_request("/v1/embeddings", &http::Method::POST, 200);
        metrics.count_request("/nope", &http::Method::GET, 404);
        metrics.count_request("/also-nope", &http::Method::GET, 404);
        let text = metrics.render(&Journal::new(1, vec![]));
        assert!(
            text.contains(r#"mock_vllm_requests_total{route="/v1/embeddings",method="POST",status="200"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"mock_vllm_requests_total{route="other",method="GET",status="404"} 2"#));
        assert!(text.contains("mock_vllm_journal_entries 0"));
        assert!(text.ends_with("# EOF\n"));
    }
}
