//! A writer thread that takes lines off the request path.
//!
//! The stdout log and the JSON Lines file are written by a thread of their own: handlers only
//! queue the recorded entry, the thread formats and writes it. Waking a thread per request
//! would cost more than the request (a context switch each), so producers only wake the writer
//! when its queue was empty, and the writer lets a batch gather for [`BATCH_WINDOW`] before it
//! takes the queue, writes it and flushes once. [`LineSink::close`] drains the queue and flushes
//! before it returns, which is what makes a graceful shutdown lose nothing.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the writer lets a batch gather once woken: the log's added delay, at most.
pub const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Formats one item into the buffer, newline included.
pub type Format<T> = Box<dyn Fn(&T, &mut Vec<u8>) + Send>;

struct Queue<T> {
    items: Vec<T>,
    closed: bool,
}

struct Shared<T> {
    queue: Mutex<Queue<T>>,
    ready: Condvar,
    errors: AtomicU64,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct LineSink<T: Send + 'static> {
    shared: Arc<Shared<T>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<T: Send + 'static> LineSink<T> {
    pub fn spawn(name: &str, out: Box<dyn Write + Send>, format: Format<T>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                items: Vec::new(),
                closed: false,
            }),
            ready: Condvar::new(),
            errors: AtomicU64::new(0),
        });
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run(&thread_shared, out, format))?;
        Ok(LineSink {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues an item; never blocks on I/O.
    pub fn send(&self, item: T) {
        let mut queue = self.shared.lock();
        if queue.closed {
            self.shared.errors.fetch_add(1, Ordering::Relaxed);
            return;
        }
        queue.items.push(item);
        if queue.items.len() == 1 {
            self.shared.ready.notify_one();
        }
    }

    /// Writes everything queued so far, flushes, and stops the thread.
    pub fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_one();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Items that could not be written (I/O errors, or sent after close).
    pub fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
}

fn run<T>(shared: &Shared<T>, mut out: Box<dyn Write + Send>, format: Format<T>) {
    let mut batch = Vec::new();
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let closed = {
            let mut queue = shared.lock();
            while queue.items.is_empty() && !queue.closed {
                queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
            if !queue.closed {
                // Let the burst that woke us gather, so one write serves many requests.
                drop(queue);
                std::thread::sleep(BATCH_WINDOW);
                queue = shared.lock();
            }
            std::mem::swap(&mut batch, &mut queue.items);
            queue.closed
        };
        for item in batch.drain(..) {
            format(&item, &mut buf);
        }
        if !buf.is_empty() && out.write_all(&buf).and_then(|()| out.flush()).is_err() {
            shared.errors.fetch_add(1, Ordering::Relaxed);
        }
        buf.clear();
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn numbers(out: Captured) -> LineSink<u32> {
        LineSink::spawn(
            "test-sink",
            Box::new(out),
            Box::new(|n: &u32, buf: &mut Vec<u8>| buf.extend_from_slice(format!("{n}\n").as_bytes())),
        )
        .unwrap()
    }

    #[test]
    fn close_writes_everything_queued_in_order() {
        let out = Captured::default();
        let sink = numbers(out.clone());
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
    fn an_idle_sink_has_written_what_it_was_sent() {
        let out = Captured::default();
        let sink = numbers(out.clone());
        sink.send(7);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while out.0.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(&*out.0.lock().unwrap(), b"7\n");
        sink.close();
    }

    #[test]
    fn concurrent_senders_lose_nothing() {
        let out = Captured::default();
        let sink = Arc::new(numbers(out.clone()));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let sink = sink.clone();
                std::thread::spawn(move || (0..1_000).for_each(|i| sink.send(t * 1_000 + i)))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        sink.close();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let mut lines: Vec<u32> = text.lines().map(|l| l.parse().unwrap()).collect();
        lines.sort_unstable();
        assert_eq!(lines, (0..8_000).collect::<Vec<_>>());
    }

    #[test]
    fn items_sent_after_close_are_counted_as_errors() {
        let sink = numbers(Captured::default());
        sink.close();
        sink.send(1);
        assert_eq!(sink.errors(), 1);
    }
}
