//! `mock-vllm`: parse the flags, bind, serve until SIGTERM or SIGINT.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use mock_vllm::{AppState, Config, serve};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

// glibc's allocator serialises threads that free what another allocated (every journal entry
// does); mimalloc does not, which bench/load.py shows as throughput.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();

    let config = Config::parse();
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config)?;
    // Never dropped: the process ends when serving does (which has flushed the journal's
    // writers), and the OS takes the memory back at once, where freeing a full journal entry
    // by entry (`--journal-capacity` of them) costs about 700 instructions each
    // (`bench/load.py --instructions`).
    let kept = Arc::clone(&state);

    // The workshop's mock prints this line; scripts wait for it.
    println!("Mock vLLM server listening on :{}", addr.port());
    tracing::info!(%addr, "mock-vllm listening");
    serve(listener, state, shutdown_signal()).await?;
    tracing::info!("mock-vllm stopped");
    std::mem::forget(kept);
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
