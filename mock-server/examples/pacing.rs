//! The pacing benchmark's client: opens many streamed chat completions at once against a
//! running mock and reports how far apart their tokens arrived.
//!
//!     cargo run --release -p mock-vllm --example pacing -- http://127.0.0.1:18001 1000
//!
//! Prints one JSON object: streams, gaps measured, their mean, p50 and p99 in milliseconds, and
//! the wall time. bench/load.py --pacing runs it against a mock started with
//! --inter-token-latency and reads the mock's memory meanwhile (BENCHMARKS.md).

use std::time::{Duration, Instant};

use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let streams: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let url = format!("{base}/v1/chat/completions");
    let started = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move { token_gaps(&http, &url, i).await })
        })
        .collect();
    let mut gaps = Vec::new();
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Ok(stream_gaps) => gaps.extend(stream_gaps),
            Err(_) => failed += 1,
        }
    }
    let wall = started.elapsed();
    gaps.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = gaps.iter().sum::<Duration>().as_secs_f64() * 1000.0 / gaps.len().max(1) as f64;
    let pick = |q: f64| {
        gaps.get(((gaps.len() as f64 - 1.0) * q) as usize)
            .map_or(0.0, |d| ms(*d))
    };
    println!(
        "{}",
        json!({
            "streams": streams,
            "failed": failed,
            "gaps": gaps.len(),
            "mean_gap_ms": mean,
            "p50_gap_ms": pick(0.5),
            "p99_gap_ms": pick(0.99),
            "wall_s": wall.as_secs_f64(),
        })
    );
    Ok(())
}

/// The gaps between one stream's token chunks (each read that brings a token's delta).
async fn token_gaps(http: &reqwest::Client, url: &str, i: usize) -> Result<Vec<Duration>, reqwest::Error> {
    let body = json!({
        "model": "m",
        "messages": [{"role": "user", "content": format!("stream number {i}")}],
        "stream": true,
    });
    let mut response = http.post(url).json(&body).send().await?.error_for_status()?;
    let mut arrivals = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if chunk.windows(11).any(|w| w == b"\"content\":\"") && !chunk.windows(6).any(|w| w == b"\"role\"") {
            arrivals.push(Instant::now());
        }
    }
    Ok(arrivals.windows(2).map(|w| w[1] - w[0]).collect())
}
