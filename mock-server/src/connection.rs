//! A connection a fault rule can reset, and the timer of its header read timeout.
//!
//! The accept loop wraps each socket in [`Resettable`] and serves the connection inside
//! [`CONNECTION`], a task-local its requests reach without an allocation per request. When a
//! rule resets the connection, the next read or write on it sets `SO_LINGER` to zero and fails,
//! so hyper drops the connection and the kernel sends a TCP RST: the client sees "connection
//! reset by peer", as when a vLLM pod dies mid-request.
//!
//! hyper starts a timer for every request head it waits for (the header read timeout, which
//! also closes an idle keep-alive connection): with tokio's timer that is a timer entry put in
//! the wheel and taken out again per request, about 1,500 instructions. [`HeaderTimer`] keeps
//! one tokio timer per connection instead, moved on only when it fires before the deadline of
//! the head now awaited; the deadlines are hyper's, to the timer wheel's millisecond.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

tokio::task_local! {
    /// The connection whose task this is.
    pub static CONNECTION: Connection;
}

/// What a connection's task keeps: its reset switch, and its header timer.
pub struct Connection {
    control: ConnectionControl,
    /// Armed for the deadline of some head hyper waited for, this one's or an earlier one's.
    timer: RefCell<Option<Pin<Box<Sleep>>>>,
}

impl Connection {
    pub fn new(control: ConnectionControl) -> Self {
        Connection {
            control,
            timer: RefCell::new(None),
        }
    }

    /// Ready once `deadline` has passed.
    fn poll_deadline(&self, deadline: Instant, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let mut timer = self.timer.borrow_mut();
        let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() > deadline {
            timer.as_mut().reset(deadline);
        }
        loop {
            ready!(timer.as_mut().poll(cx));
            if timer.deadline() >= deadline {
                return Poll::Ready(());
            }
            // An earlier head's deadline: on to this one's.
            timer.as_mut().reset(deadline);
        }
    }
}

/// Resets the current connection, when there is one (a request served over a socket).
pub fn reset_current() {
    let _ = CONNECTION.try_with(|connection| connection.control.reset());
}

/// hyper's timer (see the module's doc): each sleep waits on its connection's one timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderTimer;

impl hyper::rt::Timer for HeaderTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HeaderSleep { deadline, own: None })
    }

    fn now(&self) -> Instant {
        // tokio's clock, as hyper-util's `TokioTimer` reads it (paused in paused tests).
        tokio::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HeaderSleep>() {
            Some(sleep) => sleep.get_mut().deadline = new_deadline,
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

struct HeaderSleep {
    deadline: Instant,
    /// A timer of its own, outside a connection's task.
    own: Option<Pin<Box<Sleep>>>,
}

impl Future for HeaderSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        if let Ok(poll) = CONNECTION.try_with(|connection| connection.poll_deadline(deadline, cx)) {
            return poll;
        }
        let own = self
            .own
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        own.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for HeaderSleep {}

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
