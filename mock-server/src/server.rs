//! Serving: the accept loop, the read and keep-alive timeouts, resettable connections, and a
//! graceful shutdown that loses nothing.
//!
//! We drive hyper ourselves rather than `axum::serve` for two reasons: a watchdog per
//! connection, so a client that trickles its headers (or opens a connection and says nothing)
//! is cut off instead of holding a task forever, and an idle keep-alive connection is closed
//! after 5 s as vLLM's server closes it; and sockets a fault rule can reset
//! (`connection.rs`). On shutdown the listener closes, in-flight requests get
//! the grace period to finish, and then the journal's writers flush.

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::connection::{Resettable, close_when_idle};
use crate::journal::Journal;
use crate::routes::router;
use crate::state::{AppState, StartError};

/// Serves `state` on `listener` until `shutdown` resolves, then drains and flushes.
pub async fn serve(listener: TcpListener, state: Arc<AppState>, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    let app = router(state.clone());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The connection's watchdog times its head, not hyper (`connection.rs`).
    builder.http1().header_read_timeout(None::<std::time::Duration>);
    let idle_timeout = state.config.header_read_timeout();
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);

    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: keep serving the connections we have.
                Err(err) => {
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (stream, control) = Resettable::new(stream);
        let service = TowerToHyperService::new(app.on_connection(control.clone()));
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let connection = graceful.watch(connection.into_owned());
        let task = tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
        tokio::spawn(close_when_idle(control, task.abort_handle(), idle_timeout));
    }

    drop(listener);
    let grace = state.config.shutdown_grace();
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(?grace, "in-flight requests did not finish within the grace period");
    }
    state.journal.close();
    Ok(())
}

/// A mock running in the background of a test or an embedding program, on its own port.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = mock_vllm::MockServer::start(mock_vllm::Config::ephemeral()).await?;
/// let url = format!("{}/v1/embeddings", mock.uri());
/// // ... send requests, then read mock.journal() ...
/// mock.shutdown().await?;
/// # Ok(()) }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl MockServer {
    /// Binds `config.host:config.port` and starts serving.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let state = AppState::new(config)?;
        Self::start_with_state(state).await
    }

    /// As [`MockServer::start`], with the per-request log (the workshop's `=== REQUEST ===`
    /// block, or `--log-format`'s) written to `out` instead of stdout, e.g. to show it beside
    /// a failed test.
    pub async fn start_with_log(config: Config, out: Box<dyn Write + Send>) -> Result<Self, StartError> {
        let state = AppState::with_log_output(config, out)?;
        Self::start_with_state(state).await
    }

    async fn start_with_state(state: Arc<AppState>) -> Result<Self, StartError> {
        let address = format!("{}:{}", state.config.host, state.config.port);
        let bound = async {
            let listener = TcpListener::bind((state.config.host.as_str(), state.config.port)).await?;
            let addr = listener.local_addr()?;
            Ok((listener, addr))
        };
        let (listener, addr) = bound.await.map_err(|source| StartError::Bind { address, source })?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Ok(MockServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<ip>:<port>`, with the loopback address when bound to all interfaces.
    pub fn uri(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            self.addr.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The journal itself, in process: what `/_mock/requests` answers from.
    pub fn journal(&self) -> &Journal {
        &self.state.journal
    }

    /// Stops accepting, lets in-flight requests finish, and flushes the journal's writers.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
