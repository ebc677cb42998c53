//! criterion benchmarks of the mock's hot parts: the embedding function, a journal append under
//! contention, and response serialisation. `cargo bench -p mock-vllm`; figures in BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mock_vllm::internals::{EmbeddingData, EmbeddingResponse, EmbeddingValue, Usage};
use mock_vllm::internals::{embed, to_le_f32_bytes};
use mock_vllm::journal::sink::LineSink;
use mock_vllm::journal::{BodyEncoding, Bounds, Header, Journal, RecordedRequest};

const TEXT: &str = "The food was delicious and the waiter was friendly.";
/// The mock's default bounds.
const BOUNDS: Bounds = Bounds {
    entries: 10_000,
    bytes: 64 * 1024 * 1024,
};

fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{TEXT} {i}")).collect()
}

fn embedding(c: &mut Criterion) {
    let mut group = c.benchmark_group("embed");
    for inputs in [1, 16, 256] {
        for dims in [10, 1024] {
            let texts = texts(inputs);
            group.throughput(Throughput::Elements(inputs as u64));
            group.bench_with_input(BenchmarkId::new(format!("{dims}d"), inputs), &texts, |b, texts| {
                b.iter(|| {
                    texts
                        .iter()
                        .map(|t| embed(black_box(t), dims, false))
                        .collect::<Vec<_>>()
                })
            });
        }
    }
    group.finish();
}

fn entry() -> RecordedRequest {
    let header = |name: &str, value: &str| Header {
        name: name.into(),
        value: value.into(),
    };
    RecordedRequest {
        seq: 0,
        time: time::OffsetDateTime::now_utc(),
        method: "POST".into(),
        path: "/v1/embeddings".into(),
        query: None,
        headers: vec![
            header("host", "mock-vllm.enterprise-agentgateway.svc.cluster.local"),
            header("content-type", "application/json"),
            header("authorization", "Bearer sk-workshop-vllm-key"),
            header("content-length", "130"),
        ],
        body: format!(r#"{{"model": "/apps/ecs_mounts/data/q3.6b", "input": "{TEXT}"}}"#),
        body_encoding: BodyEncoding::Utf8,
        body_size: 130,
        body_truncated: false,
        status: 200,
        latency_ms: 0.2,
        model: Some("/apps/ecs_mounts/data/q3.6b".to_owned()),
        inputs: Some(1),
        summary: "embedding with 10 dims".to_owned(),
        instance: Default::default(),
        treatment: Default::default(),
    }
}

/// `threads` threads append `per_thread` prepared entries each, all starting together; returns
/// the wall time, so criterion reports the time per append of the whole contended journal.
fn append_under_contention(journal: &Arc<Journal>, threads: usize, per_thread: u64) -> Duration {
    let start = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let journal = journal.clone();
            let start = start.clone();
            let entries: Vec<RecordedRequest> = (0..per_thread).map(|_| entry()).collect();
            std::thread::spawn(move || {
                start.wait();
                for entry in entries {
                    journal.record(entry);
                }
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    handles.into_iter().for_each(|h| h.join().unwrap());
    began.elapsed()
}

fn journal(c: &mut Criterion) {
    let mut group = c.benchmark_group("journal_append");
    for threads in [1, 2, 8] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("ring", threads), |b| {
            let journal = Arc::new(Journal::new(BOUNDS, vec![]));
            b.iter_custom(|iters| append_under_contention(&journal, threads, iters.div_ceil(threads as u64)))
        });
        group.bench_function(BenchmarkId::new("ring+log", threads), |b| {
            let log = mock_vllm::internals::subscriber(
                mock_vllm::internals::LogOptions {
                    format: mock_vllm::config::LogFormat::Text,
                    secrets: false,
                    skip_paths: vec![],
                },
                Box::new(std::io::sink()),
            )
            .unwrap()
            .into_iter()
            .collect::<Vec<LineSink<_>>>();
            let journal = Arc::new(Journal::new(BOUNDS, log));
            b.iter_custom(|iters| append_under_contention(&journal, threads, iters.div_ceil(threads as u64)));
            journal.close();
        });
    }
    group.finish();
}

fn response(inputs: usize, dims: usize, base64: bool) -> EmbeddingResponse {
    let data = texts(inputs)
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let values = embed(text, dims, false);
            EmbeddingData {
                index,
                object: "embedding".to_owned(),
                embedding: if base64 {
                    EmbeddingValue::Base64(BASE64.encode(to_le_f32_bytes(&values)))
                } else {
                    EmbeddingValue::Float(values)
                },
            }
        })
        .collect();
    EmbeddingResponse {
        id: "embd-0".to_owned(),
        object: "list".to_owned(),
        created: 0,
        model: "/apps/ecs_mounts/data/q3.6b".to_owned(),
        data,
        usage: Usage::new(inputs * 9, 0),
    }
}

fn serialisation(c: &mut Criterion) {
    let mut group = c.benchmark_group("serialise");
    for inputs in [1, 16, 256] {
        for dims in [10, 1024] {
            let floats = response(inputs, dims, false);
            group.throughput(Throughput::Elements(inputs as u64));
            group.bench_with_input(BenchmarkId::new(format!("float/{dims}d"), inputs), &floats, |b, r| {
                b.iter(|| serde_json::to_vec(black_box(r)).unwrap())
            });
            let base64 = response(inputs, dims, true);
            group.bench_with_input(BenchmarkId::new(format!("base64/{dims}d"), inputs), &base64, |b, r| {
                b.iter(|| serde_json::to_vec(black_box(r)).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = embedding, journal, serialisation
}
criterion_main!(benches);
