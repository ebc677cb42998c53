//! A connection a fault rule can reset, and the watchdog that closes it once idle.
//!
//! The accept loop wraps each socket in [`Resettable`] and hands its [`ConnectionControl`] to
//! the connection's recorder, which gives each request's journal entry an [`InFlight`] on it.
//! When a rule resets the connection, the next read or write on it sets `SO_LINGER` to zero
//! and fails, so hyper drops the connection and the kernel sends a TCP RST: the client sees
//! "connection reset by peer", as when a vLLM pod dies mid-request. (A task-local would reach
//! the connection too, but it is entered and left at every poll of the connection's task.)
//!
//! A connection that has said nothing for the header read timeout (no request begun, none in
//! flight, nothing written: a client that trickles its headers, or a keep-alive connection
//! left idle, which vLLM's server closes after 5 s) is closed by [`close_when_idle`], a task of
//! its own that looks every quarter of the timeout. hyper's own header read timeout would do
//! it too, but it arms a timer for every request head and polls the connection once more after
//! every answer to start it: about 1,000 instructions a request (`bench/load.py
//! --instructions`), where the watchdog costs two counters a request and a wake-up a quarter
//! of the timeout.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::task::AbortHandle;

/// A request in flight on its connection, from its head to its journal entry, until
/// dropped: the watchdog leaves a connection alone while it has one.
pub struct InFlight(ConnectionControl);

impl InFlight {
    /// Resets the request's connection instead of answering on it.
    pub fn reset_connection(&self) {
        self.0.reset();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.ended.fetch_add(1, Ordering::Relaxed);
    }
}

/// What a connection's requests, its socket and its watchdog share.
#[derive(Debug, Clone, Default)]
pub struct ConnectionControl(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    reset: AtomicBool,
    /// Requests begun and ended on it.
    began: AtomicU64,
    ended: AtomicU64,
    /// Writes that sent bytes: an answer still going out to a client that reads it.
    writes: AtomicU64,
}

impl ConnectionControl {
    /// A request begun on the connection.
    pub fn begin(&self) -> InFlight {
        self.0.began.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// Resets the connection instead of answering on it.
    pub fn reset(&self) {
        self.0.reset.store(true, Ordering::Release);
    }

    fn is_reset(&self) -> bool {
        self.0.reset.load(Ordering::Acquire)
    }

    /// What has happened on it so far, to tell whether anything has since.
    fn progress(&self) -> (u64, u64) {
        (
            self.0.began.load(Ordering::Relaxed),
            self.0.writes.load(Ordering::Relaxed),
        )
    }

    fn in_flight(&self) -> bool {
        self.0.began.load(Ordering::Relaxed) != self.0.ended.load(Ordering::Relaxed)
    }
}

/// How many looks the watchdog takes within the timeout: it closes an idle connection
/// between the timeout and a quarter past it.
const LOOKS: u32 = 4;

/// Closes `connection` (aborts its task) once nothing has happened on it for `timeout`: no
/// request begun, none in flight and nothing written. Ends when the connection does.
pub async fn close_when_idle(control: ConnectionControl, connection: AbortHandle, timeout: Duration) {
    let look = timeout / LOOKS;
    let mut seen = control.progress();
    let mut quiet = 0;
    loop {
        tokio::time::sleep(look).await;
        if connection.is_finished() {
            return;
        }
        let now = control.progress();
        if now != seen || control.in_flight() {
            seen = now;
            quiet = 0;
            continue;
        }
        quiet += 1;
        if quiet == LOOKS {
            connection.abort();
            return;
        }
    }
}

/// A socket that resets itself once its [`ConnectionControl`] says so.
pub struct Resettable {
    stream: TcpStream,
    control: ConnectionControl,
}

impl Resettable {
    pub fn new(stream: TcpStream) -> (Self, ConnectionControl) {
        let control = ConnectionControl::default();
        (
            Resettable {
                stream,
                control: control.clone(),
            },
            control,
        )
    }

    /// The error that makes hyper drop the connection; with zero linger, closing it sends RST.
    fn reset_error(&self) -> io::Error {
        let _ = self.stream.set_zero_linger();
        io::Error::new(io::ErrorKind::ConnectionReset, "reset by a mock-vllm rule")
    }

    fn wrote(&self, written: &Poll<io::Result<usize>>) {
        if matches!(written, Poll::Ready(Ok(n)) if *n > 0) {
            self.control.0.writes.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Resettable {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.control.is_reset() {
            return Poll::Ready(Err(self.reset_error()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Resettable {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.control.is_reset() {
            return Poll::Ready(Err(self.reset_error()));
        }
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.wrote(&written);
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.control.is_reset() {
            return Poll::Ready(Err(self.reset_error()));
        }
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.wrote(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.control.is_reset() {
            return Poll::Ready(Err(self.reset_error()));
        }
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
