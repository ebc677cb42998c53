//! A writer thread that takes lines off the request path.
//!
//! The stdout log and the JSON Lines file are written by a thread of their own: handlers only
//! queue the recorded entry, the thread formats and writes it and flushes whenever the queue
//! runs dry, so a burst costs one flush and an idle mock has written everything it answered.
//! [`LineSink::close`] drains the queue and flushes before it returns, which is what makes
//! a graceful shutdown lose nothing.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

enum Command<T> {
    Write(T),
    Close,
}

/// Formats one item into the buffer, newline included.
pub type Format<T> = Box<dyn Fn(&T, &mut Vec<u8>) + Send>;

pub struct LineSink<T: Send + 'static> {
    tx: Sender<Command<T>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    errors: Arc<AtomicU64>,
}

impl<T: Send + 'static> LineSink<T> {
    pub fn spawn(name: &str, out: Box<dyn Write + Send>, format: Format<T>) -> std::io::Result<Self> {
        let (tx, rx) = channel();
        let errors = Arc::new(AtomicU64::new(0));
        let thread_errors = errors.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run(rx, out, format, &thread_errors))?;
        Ok(LineSink {
            tx,
            thread: Mutex::new(Some(thread)),
            errors,
        })
    }

    /// Queues an item; never blocks the caller.
    pub fn send(&self, item: T) {
        if self.tx.send(Command::Write(item)).is_err() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes everything queued so far, flushes, and stops the thread.
    pub fn close(&self) {
        let _ = self.tx.send(Command::Close);
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Items that could not be written (I/O errors, or sent after close).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

fn run<T>(rx: Receiver<Command<T>>, mut out: Box<dyn Write + Send>, format: Format<T>, errors: &AtomicU64) {
    let mut buf = Vec::with_capacity(64 * 1024);
    let write = |buf: &mut Vec<u8>, out: &mut Box<dyn Write + Send>| {
        if !buf.is_empty() && out.write_all(buf).and_then(|()| out.flush()).is_err() {
            errors.fetch_add(1, Ordering::Relaxed);
        }
        buf.clear();
    };
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        // Batch whatever is queued, then write and flush once.
        while let Some(command) = next.take() {
            match command {
                Command::Write(item) => format(&item, &mut buf),
                Command::Close => {
                    write(&mut buf, &mut out);
                    return;
                }
            }
            if buf.len() < 1 << 20 {
                next = rx.try_recv().ok();
            }
        }
        write(&mut buf, &mut out);
    }
    write(&mut buf, &mut out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn close_writes_everything_queued_in_order() {
        let out = Shared::default();
        let sink = LineSink::spawn(
            "test-sink",
            Box::new(out.clone()),
            Box::new(|n: &u32, buf: &mut Vec<u8>| buf.extend_from_slice(format!("{n}\n").as_bytes())),
        )
        .unwrap();
        for n in 0..10_000 {
            sink.send(n);
        }
        sink.close();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<u32> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(lines, (0..10_000).collect::<Vec<_>>());
        assert_eq!(sink.errors(), 0);
    }

    #[test]
    fn items_sent_after_close_are_counted_as_errors() {
        let sink = LineSink::spawn(
            "test-sink",
            Box::new(std::io::sink()),
            Box::new(|_: &u8, _: &mut Vec<u8>| {}),
        )
        .unwrap();
        sink.close();
        sink.send(1);
        assert_eq!(sink.errors(), 1);
    }
}
