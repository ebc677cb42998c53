//! What each local gateway adds to a request: the workshop's Step 6 sent straight to the mock
//! and through each gateway, in one run, one request at a time; prints p50 and p99 and what the
//! gateway adds to each. A benchmark, never a test.
//!
//!     cargo run --release -p conformance --example overhead             # direct, LiteLLM, nginx, sglang-router
//!     AGENTGATEWAY_BIN=/path/to/agentgateway cargo run --release -p conformance --example overhead
//!
//! The targets are `direct` and every registered gateway that runs on this machine (not in a
//! cluster), started as the suite starts them (same configs, same mock); `OVERHEAD_REQUESTS`
//! (default 1000) sets the requests per target after 50 of warm-up.

use std::time::{Duration, Instant};

use conformance::client::Call;
use conformance::settings::{Env, Settings};
use conformance::targets::{Capability, REGISTRY, StartError, TargetSpec};

/// The mock alone, as the baseline, and each local gateway: read off the registry, so that a
/// new gateway is measured without a line here.
fn measured(settings: &Settings) -> impl Iterator<Item = &'static TargetSpec> {
    REGISTRY.iter().filter(move |spec| {
        let offers = (spec.capabilities)(settings);
        spec.name == "direct" || (offers.contains(&Capability::Gateway) && !offers.contains(&Capability::Kubernetes))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from(Env::process())?;
    let requests: usize = settings.env.parse("OVERHEAD_REQUESTS")?.unwrap_or(1000);
    let http = reqwest::Client::new();
    let mut rows: Vec<(&str, String, Duration, Duration)> = Vec::new();
    for spec in measured(&settings) {
        let name = spec.name;
        let target = match (spec.start)(&settings).await {
            Ok(target) => target,
            Err(StartError::Absent(reason)) => {
                eprintln!("{name}: skipped: {reason}");
                continue;
            }
            Err(StartError::Failed(reason)) => anyhow::bail!("{name} did not start: {reason}"),
        };
        target.set_up().await?;
        let route = target.route();
        let body = bytes::Bytes::from(settings.workshop.embeddings_body());
        let mut latencies = Vec::with_capacity(requests);
        for i in 0..requests + 50 {
            let request = route.request(Call::Embeddings, Some(body.clone()));
            let started = Instant::now();
            let exchange = request.send(&http).await;
            let took = started.elapsed();
            anyhow::ensure!(exchange.status == 200, "{name} answered {}", exchange.status);
            if i >= 50 {
                latencies.push(took);
            }
        }
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        let implementation = target.implementation();
        rows.push((
            name,
            format!("{} {}", implementation.name, implementation.version),
            at(0.5),
            at(0.99),
        ));
        target.shut_down().await;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (base_p50, base_p99) = rows
        .iter()
        .find(|r| r.0 == "direct")
        .map(|r| (r.2, r.3))
        .unwrap_or_default();
    println!("| target | implementation | p50 ms | p99 ms | added p50 ms | added p99 ms |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, implementation, p50, p99) in rows {
        println!(
            "| {name} | {implementation} | {:.2} | {:.2} | {:.2} | {:.2} |",
            ms(p50),
            ms(p99),
            ms(p50) - ms(base_p50),
            ms(p99) - ms(base_p99)
        );
    }
    println!("\n{requests} requests per target, one at a time, after 50 of warm-up.");
    Ok(())
}
