//! `mock-vllm`: parse the flags, bind, serve until SIGTERM or SIGINT.

use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use mock_vllm::{AppState, Config, serve};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

mod allocator;

// mimalloc, as `allocator.rs` says why.
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

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

    // The workshop's mock prints this line; scripts wait for it.
    println!("Mock vLLM server listening on :{}", addr.port());
    tracing::info!(%addr, "mock-vllm listening");
    serve(listener, state, shutdown_signal()).await?;
    tracing::info!("mock-vllm stopped");
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
