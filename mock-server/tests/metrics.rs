//! `/metrics` as a Prometheus scraper reads it: vLLM's names and labels, values that follow the
//! load, and scripted values for a router test. Parsed with `openmetrics-parser`'s Prometheus
//! text parser, which (unlike some) accepts the colons of vLLM's names.

mod common;

use std::time::Duration;

use common::*;
use mock_vllm::admin::{ConfigPatch, MetricsPatch, Millis, Script};
use openmetrics_parser::{PrometheusMetricFamily, PrometheusValue, prometheus::parse_prometheus};
use serde_json::json;

type Scrape = std::collections::HashMap<String, PrometheusMetricFamily>;

async fn scrape(mock: &Mock) -> Scrape {
    let response = mock.get("/metrics").await;
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8",
        "vLLM's content type"
    );
    let text = response.text().await.unwrap();
    parse_prometheus(&text).expect("the exposition parses").families
}

fn family<'a>(scrape: &'a Scrape, name: &str) -> &'a PrometheusMetricFamily {
    scrape
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in the scrape: {:?}", scrape.keys()))
}

/// The one value of a single-series family.
fn value(scrape: &Scrape, name: &str) -> f64 {
    let sample = family(scrape, name).iter_samples().next().expect("a sample");
    number(&sample.value)
}

fn number(value: &PrometheusValue) -> f64 {
    match value {
        PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
        PrometheusValue::Counter(c) => c.value.as_f64(),
        other => panic!("not a number: {other:?}"),
    }
}

/// The value of `label`'s series `wanted` in a family.
fn labelled(scrape: &Scrape, name: &str, label: &str, wanted: &str) -> f64 {
    let family = family(scrape, name);
    let sample = family
        .iter_samples()
        .find(|s| s.get_labelset().unwrap().get_label_value(label) == Some(wanted))
        .unwrap_or_else(|| panic!("no {name}{{{label}={wanted:?}}}"));
    number(&sample.value)
}

#[tokio::test]
async fn vllms_metrics_parse_with_vllms_names_and_labels() {
    let mock = Mock::with(|c| c.served_model_names = vec!["qwen3".into()]).await;
    mock.embed(json!({"model": "qwen3", "input": "one two three"})).await;
    mock.post_json(
        "/v1/chat/completions",
        &json!({"model": "qwen3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}),
    )
    .await;
    let scrape = scrape(&mock).await;
    for name in [
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:kv_cache_usage_perc",
        "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total",
    ] {
        assert_eq!(
            family(&scrape, name).get_label_names(),
            ["engine", "model_name"],
            "{name}"
        );
    }
    assert_eq!(
        labelled(&scrape, "vllm:num_requests_running", "model_name", "qwen3"),
        0.0
    );
    // The chat prompt is its rendered conversation, `user: hiassistant:`.
    assert_eq!(value(&scrape, "vllm:prompt_tokens_total"), 5.0, "3 + 2 prompt words");
    assert_eq!(value(&scrape, "vllm:generation_tokens_total"), 4.0);
    assert_eq!(
        labelled(&scrape, "vllm:request_success_total", "finished_reason", "length"),
        1.0
    );
    assert_eq!(
        labelled(&scrape, "vllm:request_success_total", "finished_reason", "stop"),
        1.0
    );
    assert!(
        value(&scrape, "vllm:lora_requests_info") > 1.7e9,
        "set to the current time"
    );
    assert_eq!(labelled(&scrape, "vllm:cache_config_info", "engine", "0"), 1.0);
    for histogram in [
        "vllm:time_to_first_token_seconds",
        "vllm:inter_token_latency_seconds",
        "vllm:e2e_request_latency_seconds",
        "vllm:request_queue_time_seconds",
    ] {
        let sample = family(&scrape, histogram).iter_samples().next().unwrap();
        assert!(
            matches!(sample.value, PrometheusValue::Histogram(_)),
            "{histogram} is a histogram"
        );
    }
    assert_eq!(value(&scrape, "mock_vllm_journal_entries"), 2.0);
}

#[tokio::test]
async fn the_load_gauges_follow_the_running_set_and_the_queue() {
    let mock = Mock::with(|c| {
        c.conditions.time_to_first_token = Millis(400.0);
        c.conditions.max_num_seqs = Some(2);
    })
    .await;
    let load = async {
        let sends = (0..3).map(|_| mock.embed(workshop_request()));
        futures::future::join_all(sends).await
    };
    let observe = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        scrape(&mock).await
    };
    let (_, during) = tokio::join!(load, observe);
    assert_eq!(value(&during, "vllm:num_requests_running"), 2.0);
    assert_eq!(value(&during, "vllm:num_requests_waiting"), 1.0);
    assert_eq!(value(&during, "vllm:kv_cache_usage_perc"), 1.0);
    let after = scrape(&mock).await;
    assert_eq!(value(&after, "vllm:num_requests_running"), 0.0);
    assert_eq!(value(&after, "vllm:num_requests_waiting"), 0.0);
}

#[tokio::test]
async fn scripted_values_replace_the_real_ones() {
    let mock = Mock::start().await;
    let scripts = MetricsPatch::default()
        .waiting_requests(Some(Script::Fixed(7.0)))
        .kv_cache_usage(Some("ramp:0:1:1h".parse().unwrap()));
    let patch = ConfigPatch::default().metrics(scripts);
    mock.admin
        .patch_config(&patch)
        .await
        .expect("the mock takes the scripts");
    let scrape = scrape(&mock).await;
    assert_eq!(value(&scrape, "vllm:num_requests_waiting"), 7.0);
    let usage = value(&scrape, "vllm:kv_cache_usage_perc");
    assert!(
        (0.0..0.01).contains(&usage),
        "a ramp over an hour has barely started: {usage}"
    );
    assert_eq!(value(&scrape, "vllm:num_requests_running"), 0.0, "not scripted: real");
}
