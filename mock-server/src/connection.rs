//! A connection a fault rule can reset.
//!
//! The accept loop wraps each socket in [`Resettable`] and serves the connection inside
//! [`CONNECTION`], a task-local its requests reach without an allocation per request. When a
//! rule resets the connection, the next read or write on it sets `SO_LINGER` to zero and fails,
//! so hyper drops the connection and the kernel sends a TCP RST: the client sees "connection
//! reset by peer", as when a vLLM pod dies mid-request.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

tokio::task_local! {
    /// The control of the connection whose task this is.
    pub static CONNECTION: ConnectionControl;
}

/// Resets the current connection, when there is one (a request served over a socket).
pub fn reset_current() {
    let _ = CONNECTION.try_with(ConnectionControl::reset);
}

/// The switch a connection's requests can flip.
#[derive(Debug, Clone, Default)]
pub struct ConnectionControl(Arc<AtomicBool>);

impl ConnectionControl {
    /// Resets the connection instead of answering on it.
    pub fn reset(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_reset(&self) -> bool {
        self.0.load(Ordering::Acquire)
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
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.control.is_reset() {
            return Poll::Ready(Err(self.reset_error()));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
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
