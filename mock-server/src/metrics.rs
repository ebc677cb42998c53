//! `GET /metrics`: vLLM's own metrics, as a router or an autoscaler reads them from a vLLM
//! server, and the mock's request counts and journal gauges, in the Prometheus text format
//! vLLM serves (0.0.4).
//!
//! vLLM's names and labels (`model_name`, `engine`) follow `vllm/v1/metrics/loggers.py`:
//! the load gauges (`vllm:num_requests_running`, `vllm:num_requests_waiting`,
//! `vllm:kv_cache_usage_perc`) follow the real running set and queue, or a script set through
//! `/_mock/config`; the counters and histograms follow the requests the engine finished.

use std::sync::{Arc, OnceLock};

use prometheus::{
    Encoder, Gauge, GaugeVec, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::conditions::Conditions;
use crate::conditions::timing::Plan;
use crate::journal::Journal;
use crate::outcome::Work;

/// vLLM's buckets for time to first token.
const TTFT_BUCKETS: [f64; 22] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
    160.0, 640.0, 2560.0,
];
/// vLLM's buckets for the time per output token and between tokens.
const TOKEN_BUCKETS: [f64; 19] = [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
/// vLLM's buckets for whole-request times (end to end, queued).
const REQUEST_BUCKETS: [f64; 21] = [
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
    1920.0, 7680.0,
];

/// The `engine` label of a single-engine server.
const ENGINE: &str = "0";

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    /// The counters of `requests` used so far, by their labels: found by a few comparisons
    /// (the route by its pointer) with no lock, where `with_label_values` hashes the three
    /// labels and looks them up under its own (about 300 instructions a request). Slots are
    /// taken in order and never given back, so the first empty one ends a search.
    counted: [OnceLock<Counted>; COUNTED],
    journal_entries: IntGauge,
    journal_bytes: IntGauge,
    journal_dropped: IntGauge,
    journal_write_errors: IntGauge,
    pub engine: EngineMetrics,
}

/// One counter of `mock_vllm_requests_total` and its labels.
struct Counted {
    /// The route's pattern as the recorder's matcher holds it; `None` for `other`.
    route: Option<Arc<str>>,
    method: &'static str,
    status: u16,
    counter: IntCounter,
}

/// How many label sets `Metrics::counted` keeps; a client making up more (methods, paths
/// answered as `other` by many statuses) has the others looked up by prometheus.
const COUNTED: usize = 64;

/// vLLM's metrics of the engine's work.
pub struct EngineMetrics {
    running: Gauge,
    waiting: Gauge,
    kv_cache_usage: Gauge,
    /// By finished reason: `stop`, `length`, `abort`.
    success: [IntCounter; 3],
    prompt_tokens: IntCounter,
    generation_tokens: IntCounter,
    time_to_first_token: Histogram,
    inter_token_latency: Histogram,
    time_per_output_token: Histogram,
    e2e_latency: Histogram,
    queue_time: Histogram,
    lora_info: GaugeVec,
}

/// Registers `metric` and hands it back; the names and options here are constants, so a
/// failure is a bug caught by the tests.
fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: prometheus::Result<M>) -> M {
    let metric = metric.expect("a valid metric definition");
    registry
        .register(Box::new(metric.clone()))
        .expect("each metric is registered once");
    metric
}

impl Metrics {
    /// `model_name` labels vLLM's metrics: the first served model name, as vLLM's.
    pub fn new(model_name: &str) -> Self {
        let registry = Registry::new();
        let gauge = |name: &str, help: &str| register(&registry, IntGauge::new(name, help));
        let requests = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "mock_vllm_requests_total",
                    "Requests answered, by route, method and status",
                ),
                &["route", "method", "status"],
            ),
        );
        Metrics {
            journal_entries: gauge("mock_vllm_journal_entries", "Requests held in the in-memory journal"),
            journal_bytes: gauge(
                "mock_vllm_journal_bytes",
                "About how many bytes the in-memory journal's entries take",
            ),
            journal_dropped: gauge(
                "mock_vllm_journal_dropped",
                "Requests the journal evicted to stay within its bounds since start or the last clear",
            ),
            journal_write_errors: gauge(
                "mock_vllm_journal_write_errors",
                "Journal entries the log or the JSON Lines file failed to write",
            ),
            engine: EngineMetrics::new(&registry, model_name),
            requests,
            counted: [const { OnceLock::new() }; COUNTED],
            registry,
        }
    }

    /// Counts an answered request under `route`: the router's pattern for it (`/v1/embeddings`,
    /// `/rerank`, ...), `None` for a path no route serves, counted as `other`, so a client
    /// probing random paths cannot grow the metric without bound.
    pub fn count_request(&self, route: Option<&Arc<str>>, method: &http::Method, status: u16) {
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
        // A route is one of the recorder's own patterns, so the same one is the same pointer.
        let same_route = |counted: &Counted| match (&counted.route, route) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        let mut free = None;
        for slot in &self.counted {
            match slot.get() {
                Some(c) if c.status == status && c.method == method && same_route(c) => {
                    c.counter.inc();
                    return;
                }
                Some(_) => {}
                None => {
                    free = Some(slot);
                    break;
                }
            }
        }
        let mut status_text = itoa_buffer();
        let label = route.map_or("other", |r| &**r);
        let counter = self
            .requests
            .with_label_values(&[label, method, format_status(status, &mut status_text)]);
        counter.inc();
        // Another request may take the free slot first, with these labels or others; the
        // labels' counter is prometheus's one either way, so a second slot for them only
        // counts into the same counter.
        if let Some(free) = free {
            let _ = free.set(Counted {
                route: route.cloned(),
                method,
                status,
                counter,
            });
        }
    }

    /// The exposition text, with the gauges read now.
    pub fn render(&self, journal: &Journal, conditions: &Conditions) -> String {
        let as_gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.journal_entries.set(as_gauge(journal.len() as u64));
        self.journal_bytes.set(as_gauge(journal.bytes() as u64));
        self.journal_dropped.set(as_gauge(journal.dropped()));
        self.journal_write_errors.set(as_gauge(journal.subscriber_errors()));
        self.engine.read_load(conditions);
        let mut text = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut text);
        String::from_utf8(text).unwrap_or_default()
    }
}

/// The content type vLLM's `/metrics` answers with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn itoa_buffer() -> [u8; 3] {
    [b'0'; 3]
}

/// A status as text without allocating (statuses are three digits; 0 for "none sent").
fn format_status(status: u16, buf: &mut [u8; 3]) -> &str {
    if status == 0 {
        return "0";
    }
    let status = status.min(999);
    buf[0] = b'0' + (status / 100) as u8;
    buf[1] = b'0' + (status / 10 % 10) as u8;
    buf[2] = b'0' + (status % 10) as u8;
    std::str::from_utf8(buf).unwrap_or("0")
}

impl EngineMetrics {
    fn new(registry: &Registry, model_name: &str) -> Self {
        let labels = ["model_name", "engine"];
        let values = [model_name, ENGINE];
        let gauge = |name: &str, help: &str| {
            register(registry, GaugeVec::new(Opts::new(name, help), &labels)).with_label_values(&values)
        };
        let counter = |name: &str, help: &str| {
            register(registry, IntCounterVec::new(Opts::new(name, help), &labels)).with_label_values(&values)
        };
        let histogram = |name: &str, help: &str, buckets: &[f64]| {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            register(registry, prometheus::HistogramVec::new(opts, &labels)).with_label_values(&values)
        };
        let success = register(
            registry,
            IntCounterVec::new(
                Opts::new(
                    "vllm:request_success_total",
                    "Count of successfully processed requests.",
                ),
                &["model_name", "engine", "finished_reason"],
            ),
        );
        let success =
            ["stop", "length", "abort"].map(|reason| success.with_label_values(&[model_name, ENGINE, reason]));
        let lora_info = register(
            registry,
            GaugeVec::new(
                Opts::new("vllm:lora_requests_info", "Running stats on lora requests."),
                &["max_lora", "waiting_lora_adapters", "running_lora_adapters"],
            ),
        );
        let cache_labels = [
            "block_size",
            "cache_dtype",
            "enable_prefix_caching",
            "gpu_memory_utilization",
            "num_gpu_blocks",
            "engine",
        ];
        register(
            registry,
            GaugeVec::new(
                Opts::new("vllm:cache_config_info", "Information of the LLMEngine CacheConfig"),
                &cache_labels,
            ),
        )
        .with_label_values(&["16", "auto", "True", "0.9", "None", ENGINE])
        .set(1.0);
        EngineMetrics {
            running: gauge(
                "vllm:num_requests_running",
                "Number of requests in model execution batches.",
            ),
            waiting: gauge(
                "vllm:num_requests_waiting",
                "Number of requests waiting to be processed.",
            ),
            kv_cache_usage: gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."),
            success,
            prompt_tokens: counter("vllm:prompt_tokens_total", "Number of prefill tokens processed."),
            generation_tokens: counter("vllm:generation_tokens_total", "Number of generation tokens processed."),
            time_to_first_token: histogram(
                "vllm:time_to_first_token_seconds",
                "Histogram of time to first token in seconds.",
                &TTFT_BUCKETS,
            ),
            inter_token_latency: histogram(
                "vllm:inter_token_latency_seconds",
                "Histogram of inter-token latency in seconds.",
                &TOKEN_BUCKETS,
            ),
            time_per_output_token: histogram(
                "vllm:time_per_output_token_seconds",
                "Histogram of time per output token in seconds.",
                &TOKEN_BUCKETS,
            ),
            e2e_latency: histogram(
                "vllm:e2e_request_latency_seconds",
                "Histogram of e2e request latency in seconds.",
                &REQUEST_BUCKETS,
            ),
            queue_time: histogram(
                "vllm:request_queue_time_seconds",
                "Histogram of time spent in WAITING phase for request.",
                &REQUEST_BUCKETS,
            ),
            lora_info,
        }
    }

    /// Counts a request the engine worked on, once it ended: `completed` unless the client
    /// went away or a rule cut it.
    pub fn finished(
        &self,
        work: &Work,
        plan: Option<&Plan>,
        queued: std::time::Duration,
        e2e: std::time::Duration,
        completed: bool,
    ) {
        let reason = match (completed, work.finish_reason) {
            (false, _) => 2,
            (true, "length") => 1,
            (true, _) => 0,
        };
        self.success[reason].inc();
        self.prompt_tokens.inc_by(work.prompt_tokens as u64);
        if completed {
            self.generation_tokens.inc_by(work.completion_tokens as u64);
        }
        self.queue_time.observe(queued.as_secs_f64());
        self.e2e_latency.observe(e2e.as_secs_f64());
        let first_token = plan.map_or(e2e.saturating_sub(queued), |p| p.first_token);
        self.time_to_first_token.observe(first_token.as_secs_f64());
        let gaps = work.completion_tokens.saturating_sub(1);
        for i in 0..gaps {
            let gap = plan.and_then(|p| p.gaps.get(i)).map_or(0.0, |g| g.as_secs_f64());
            self.inter_token_latency.observe(gap);
        }
        if gaps > 0 {
            let decode = plan.map_or(0.0, |p| (p.total() - p.first_token).as_secs_f64());
            self.time_per_output_token.observe(decode / gaps as f64);
        }
    }

    /// The load gauges: the script where one is set, else the running set and the queue.
    fn read_load(&self, conditions: &Conditions) {
        let config = conditions.config();
        let scripts = &config.metrics;
        let elapsed = conditions.scripts_elapsed();
        let running = conditions.scheduler.running() as f64;
        let waiting = conditions.scheduler.waiting() as f64;
        let usage = config
            .limits
            .max_num_seqs
            .map_or(0.0, |max| (running / max as f64).min(1.0));
        let value = |script: &Option<crate::conditions::scripts::Script>, real: f64| {
            script.as_ref().map_or(real, |s| s.value(elapsed))
        };
        self.running.set(value(&scripts.running_requests, running));
        self.waiting.set(value(&scripts.waiting_requests, waiting));
        self.kv_cache_usage.set(value(&scripts.kv_cache_usage, usage));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.lora_info.reset();
        self.lora_info.with_label_values(&["0", "", ""]).set(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::RuntimeConfig;
    use crate::journal::Bounds;

    fn journal() -> Journal {
        Journal::new(
            Bounds {
                entries: 1,
                bytes: 1 << 20,
            },
            vec![],
        )
    }

    fn conditions() -> Conditions {
        Conditions::new(RuntimeConfig::default(), 1).unwrap()
    }

    #[test]
    fn counts_by_route_method_and_status() {
        let metrics = Metrics::new("qwen3");
        let embeddings: Arc<str> = Arc::from("/v1/embeddings");
        metrics.count_request(Some(&embeddings), &http::Method::POST, 200);
        metrics.count_request(Some(&embeddings), &http::Method::POST, 200);
        metrics.count_request(None, &http::Method::GET, 404);
        metrics.count_request(None, &http::Method::GET, 404);
        let text = metrics.render(&journal(), &conditions());
        assert!(
            text.contains(r#"mock_vllm_requests_total{method="POST",route="/v1/embeddings",status="200"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"mock_vllm_requests_total{method="GET",route="other",status="404"} 2"#));
        assert!(text.contains("mock_vllm_journal_entries 0"));
        assert!(text.contains("mock_vllm_journal_bytes 0"));
    }

    #[test]
    fn statuses_print_without_allocating() {
        let mut buf = itoa_buffer();
        assert_eq!(format_status(429, &mut buf), "429");
        assert_eq!(format_status(0, &mut buf), "0");
        assert_eq!(format_status(200, &mut buf), "200");
    }
}
