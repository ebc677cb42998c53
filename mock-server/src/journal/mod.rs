//! The request journal: every request the mock answered, in a bounded ring, with an optional
//! JSON Lines copy on disk and a way to wait for entries to arrive.
//!
//! Like WireMock's request journal, it is the point of the mock: tests read it to assert what
//! the upstream saw. The ring keeps the newest entries within a count and a byte bound and
//! counts what it evicts, so memory stays bounded under any load (a pod's memory limit holds
//! with 60 KB batches as with the workshop's one sentence) and a reader can tell whether
//! anything is missing.

mod entry;
mod query;
pub mod sink;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

/// The journal's short strings, re-exported so a user of the types needs no dependency of its own.
pub use compact_str::CompactString;
pub use entry::{BodyEncoding, Header, RecordedRequest, StoredBody, Treatment};
pub use query::{Count, Filter, RequestList};
use sink::LineSink;

/// Something that wants every recorded entry, in record order (the log, the JSON Lines file).
pub type Subscriber = LineSink<Arc<RecordedRequest>>;

/// How many entries, and about how many bytes of them, the journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub entries: usize,
    pub bytes: usize,
}

pub struct Journal {
    ring: Mutex<Ring>,
    bounds: Bounds,
    /// The newest sequence number, for waiters.
    recorded: watch::Sender<u64>,
    subscribers: Vec<Subscriber>,
}

struct Ring {
    /// Each entry with its approximate size.
    entries: VecDeque<(Arc<RecordedRequest>, usize)>,
    /// The sum of the sizes held.
    bytes: usize,
    next_seq: u64,
    total: u64,
    dropped: u64,
}

impl Journal {
    pub fn new(bounds: Bounds, subscribers: Vec<Subscriber>) -> Self {
        Journal {
            ring: Mutex::new(Ring {
                entries: VecDeque::with_capacity(bounds.entries.min(1 << 16)),
                bytes: 0,
                next_seq: 1,
                total: 0,
                dropped: 0,
            }),
            bounds,
            recorded: watch::channel(0).0,
            subscribers,
        }
    }

    /// Stores an entry under the next sequence number, which it returns.
    pub fn record(&self, entry: RecordedRequest) -> u64 {
        self.record_shared(Arc::new(entry))
    }

    /// [`Journal::record`], for an entry built where it is kept: the recorder's, which is
    /// allocated once when the request arrives and filled in as it is answered, not moved
    /// into a new allocation here (`bench/load.py --instructions`). Its `seq` is set here.
    pub(crate) fn record_shared(&self, mut entry: Arc<RecordedRequest>) -> u64 {
        let seq = {
            let mut ring = self.lock();
            let seq = ring.next_seq;
            ring.next_seq += 1;
            ring.total += 1;
            // The recorder's entry is its own until now: no copy is made.
            Arc::make_mut(&mut entry).seq = seq;
            // Queued under the lock so that subscribers see entries in sequence order.
            for subscriber in &self.subscribers {
                subscriber.send(entry.clone());
            }
            let size = entry.approximate_size();
            ring.entries.push_back((entry, size));
            ring.bytes += size;
            // The oldest go first; an entry larger than the whole bound is not kept either.
            while ring.entries.len() > self.bounds.entries || ring.bytes > self.bounds.bytes {
                let Some((_, size)) = ring.entries.pop_front() else {
                    break;
                };
                ring.bytes -= size;
                ring.dropped += 1;
            }
            seq
        };
        // Waking no one costs a lock per notifier of the channel; a waiter that subscribes
        // after this check has subscribed after the entry was in the ring (under its lock),
        // and so finds it when it counts.
        if self.recorded.receiver_count() > 0 {
            self.recorded.send_replace(seq);
        }
        seq
    }

    /// The entries `filter` selects, oldest first.
    pub fn list(&self, filter: &Filter) -> RequestList {
        let ring = self.lock();
        RequestList {
            total: ring.total,
            dropped: ring.dropped,
            requests: ring
                .entries
                .iter()
                .map(|(e, _)| e)
                .filter(|e| filter.matches(e))
                .take(filter.limit.unwrap_or(usize::MAX))
                .cloned()
                .collect(),
        }
    }

    pub fn count(&self, filter: &Filter) -> usize {
        let ring = self.lock();
        let matching = ring.entries.iter().filter(|(e, _)| filter.matches(e)).count();
        filter.limit.map_or(matching, |limit| matching.min(limit))
    }

    /// The newest entry `filter` selects.
    pub fn last(&self, filter: &Filter) -> Option<RecordedRequest> {
        let ring = self.lock();
        ring.entries
            .iter()
            .rev()
            .find(|(e, _)| filter.matches(e))
            .map(|(e, _)| RecordedRequest::clone(e))
    }

    /// Forgets every entry; sequence numbers go on from where they were.
    pub fn clear(&self) {
        let mut ring = self.lock();
        ring.entries.clear();
        ring.bytes = 0;
        ring.total = 0;
        ring.dropped = 0;
    }

    /// Waits until `filter` selects at least `count` entries, or `timeout` passes.
    /// Returns the selected entries either way, and whether there were enough.
    pub async fn wait(&self, filter: &Filter, count: usize, timeout: Duration) -> (bool, RequestList) {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribe before looking, so no entry recorded in between is missed.
        let mut recorded = self.recorded.subscribe();
        loop {
            // Counting is cheap; the list is built once, when it is answered.
            if self.count(filter) >= count {
                return (true, self.list(filter));
            }
            if tokio::time::timeout_at(deadline, recorded.changed()).await.is_err() {
                return (false, self.list(filter));
            }
        }
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many bytes the entries held now take.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Entries evicted since start or the last clear.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Entries a subscriber failed to write.
    pub fn subscriber_errors(&self) -> u64 {
        self.subscribers.iter().map(LineSink::errors).sum()
    }

    /// Writes out everything queued for the subscribers and stops them.
    pub fn close(&self) {
        for subscriber in &self.subscribers {
            subscriber.close();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        // A panic elsewhere must not take the journal down with it.
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn entry(method: &str, path: &str) -> RecordedRequest {
        RecordedRequest {
            seq: 0,
            time: OffsetDateTime::now_utc(),
            method: method.into(),
            path: path.into(),
            query: None,
            headers: vec![],
            body: String::new(),
            body_encoding: BodyEncoding::Utf8,
            body_size: 0,
            body_truncated: false,
            status: 200,
            latency_ms: 0.1,
            model: None,
            inputs: None,
            summary: String::new(),
            instance: Default::default(),
            treatment: Treatment::default(),
        }
    }

    fn bounded(entries: usize) -> Journal {
        Journal::new(
            Bounds {
                entries,
                bytes: usize::MAX,
            },
            vec![],
        )
    }

    #[test]
    fn ring_keeps_the_newest_and_counts_the_dropped() {
        let journal = bounded(3);
        for i in 0..5 {
            assert_eq!(journal.record(entry("GET", &format!("/{i}"))), i + 1);
        }
        let list = journal.list(&Filter::default());
        assert_eq!((list.total, list.dropped), (5, 2));
        let seqs: Vec<u64> = list.requests.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 4, 5]);
    }

    #[test]
    fn the_byte_bound_evicts_the_oldest_and_counts_them() {
        let mut big = entry("POST", "/v1/embeddings");
        big.body = "x".repeat(60_000);
        let size = big.approximate_size();
        let journal = Journal::new(
            Bounds {
                entries: 1000,
                bytes: size * 3,
            },
            vec![],
        );
        for _ in 0..5 {
            journal.record(big.clone());
        }
        let list = journal.list(&Filter::default());
        assert_eq!((list.total, list.dropped, list.requests.len()), (5, 2, 3));
        assert_eq!(journal.bytes(), size * 3);
        assert_eq!(list.requests[0].seq, 3, "the oldest went first");
        journal.clear();
        assert_eq!(journal.bytes(), 0);
    }

    #[test]
    fn an_entry_larger_than_the_bound_is_counted_not_kept() {
        let mut big = entry("POST", "/v1/embeddings");
        big.body = "x".repeat(10_000);
        let journal = Journal::new(
            Bounds {
                entries: 10,
                bytes: 1000,
            },
            vec![],
        );
        journal.record(big);
        assert!(journal.is_empty());
        assert_eq!((journal.dropped(), journal.bytes()), (1, 0));
    }

    #[test]
    fn filters_combine() {
        let journal = bounded(100);
        journal.record(entry("POST", "/v1/embeddings"));
        journal.record(entry("GET", "/v1/models"));
        journal.record(entry("POST", "/v1/chat/completions"));
        journal.record(entry("post", "/v1/embeddings"));
        let f = |method: Option<&str>,
                 path: Option<&str>,
                 prefix: Option<&str>,
                 since: Option<u64>,
                 limit: Option<usize>| Filter {
            method: method.map(Into::into),
            path: path.map(Into::into),
            path_prefix: prefix.map(Into::into),
            since_seq: since,
            limit,
        };
        assert_eq!(journal.count(&f(Some("POST"), None, None, None, None)), 3);
        assert_eq!(journal.count(&f(None, Some("/v1/embeddings"), None, None, None)), 2);
        assert_eq!(journal.count(&f(None, None, Some("/v1/c"), None, None)), 1);
        assert_eq!(journal.count(&f(None, None, None, Some(2), None)), 2);
        assert_eq!(journal.count(&f(None, None, None, None, Some(1))), 1);
        let first = journal.list(&f(None, None, None, Some(1), Some(1)));
        assert_eq!(first.requests[0].seq, 2);
        assert_eq!(journal.last(&f(Some("POST"), None, None, None, None)).unwrap().seq, 4);
    }

    #[test]
    fn clear_forgets_entries_but_not_sequence_numbers() {
        let journal = bounded(10);
        journal.record(entry("GET", "/a"));
        journal.clear();
        assert!(journal.is_empty());
        assert_eq!(journal.record(entry("GET", "/b")), 2);
        assert_eq!(journal.list(&Filter::default()).total, 1);
    }

    #[tokio::test]
    async fn wait_returns_when_enough_entries_arrive() {
        let journal = Arc::new(bounded(10));
        let writer = journal.clone();
        tokio::spawn(async move {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                writer.record(entry("GET", "/x"));
            }
        });
        let (enough, list) = journal.wait(&Filter::default(), 3, Duration::from_secs(10)).await;
        assert!(enough);
        assert_eq!(list.requests.len(), 3);
    }

    #[tokio::test]
    async fn wait_times_out_with_what_there_is() {
        let journal = bounded(10);
        journal.record(entry("GET", "/x"));
        let (enough, list) = journal.wait(&Filter::default(), 2, Duration::from_millis(20)).await;
        assert!(!enough);
        assert_eq!(list.requests.len(), 1);
    }
}
