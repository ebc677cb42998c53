//! Running slots and a waiting queue, as an engine has them.
//!
//! `--max-num-seqs` bounds the requests the "engine" works on at once; the others wait, first
//! come first served. vLLM queues without bound, so the queue is unbounded unless
//! `--max-waiting-queue-length` is set; then a request that finds it full is refused with 429,
//! as llm-d's inference simulator refuses it. Without `--max-num-seqs` every request runs at
//! once and the counts are still kept, for vLLM's metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits, as flags and as `/_mock/config` fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
// Unknown fields are refused where it is merged into the whole config (`RuntimeConfig`).
#[serde(rename_all = "kebab-case")]
pub struct Limits {
    /// Requests running at once; none: no limit.
    pub max_num_seqs: Option<usize>,
    /// Requests waiting for a slot; none: no limit, as vLLM.
    pub max_waiting_queue_length: Option<usize>,
}

impl Limits {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_num_seqs == Some(0) {
            return Err("max-num-seqs must be at least 1".to_owned());
        }
        Ok(())
    }
}

/// The waiting queue was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Failed to enqueue request, waiting requests queue is full")]
pub struct QueueFull;

#[derive(Default)]
pub struct Scheduler {
    /// The slots when a limit is set; replaced (and the old one closed) when it changes.
    slots: ArcSwapOption<Semaphore>,
    /// Whether `slots` holds some, kept beside it: every request asks, and loading them to
    /// learn that there are none costs it about 70 instructions (`bench/load.py
    /// --instructions`).
    limited: AtomicBool,
    running: AtomicUsize,
    waiting: AtomicUsize,
    limits: arc_swap::ArcSwap<Limits>,
}

/// A running slot, given back when dropped.
pub struct Slot {
    scheduler: Arc<Scheduler>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.scheduler.running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts a request as waiting while it waits, also when it is abandoned.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Scheduler {
    pub fn new(limits: Limits) -> Arc<Self> {
        let scheduler = Arc::new(Scheduler::default());
        scheduler.set_limits(limits);
        scheduler
    }

    /// Applies new limits to requests admitted from now on; those waiting are admitted again
    /// under them. Called once at a time (`Conditions::patch`).
    pub fn set_limits(&self, limits: Limits) {
        let slots = limits.max_num_seqs.map(|n| Arc::new(Semaphore::new(n)));
        self.limits.store(Arc::new(limits));
        self.limited.store(slots.is_some(), Ordering::Relaxed);
        if let Some(old) = self.slots.swap(slots) {
            old.close();
        }
    }

    pub fn limits(&self) -> Limits {
        **self.limits.load()
    }

    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Waits for a running slot, where a limit is set; returns it with the time waited.
    ///
    /// The clock is read only under a limit, where a request may wait: without one a request
    /// is admitted at once, and its wait is zero (every request reads it otherwise, three
    /// times, for nothing: `bench/load.py --instructions`).
    pub async fn admit(self: &Arc<Self>) -> Result<Admission, QueueFull> {
        let mut arrived = None;
        let mut waiting = None;
        let permit = loop {
            let Some(slots) = self
                .limited
                .load(Ordering::Relaxed)
                .then(|| self.slots.load_full())
                .flatten()
            else {
                break None;
            };
            arrived.get_or_insert_with(Instant::now);
            if let Ok(permit) = slots.clone().try_acquire_owned() {
                break Some(permit);
            }
            if waiting.is_none() {
                let bound = self.limits().max_waiting_queue_length.unwrap_or(usize::MAX);
                if self.waiting.fetch_add(1, Ordering::Relaxed) >= bound {
                    self.waiting.fetch_sub(1, Ordering::Relaxed);
                    return Err(QueueFull);
                }
                waiting = Some(Waiting(&self.waiting));
            }
            // Closed when the limits change: look again under the new ones.
            if let Ok(permit) = slots.acquire_owned().await {
                break Some(permit);
            }
        };
        drop(waiting);
        self.running.fetch_add(1, Ordering::Relaxed);
        let slot = Slot {
            scheduler: self.clone(),
            _permit: permit,
        };
        let (queued, at) = match arrived {
            Some(arrived) => {
                let at = Instant::now();
                (at.saturating_duration_since(arrived), Some(at))
            }
            None => (Duration::ZERO, None),
        };
        Ok(Admission { slot, queued, at })
    }
}

/// A request admitted to a running slot.
pub struct Admission {
    pub slot: Slot,
    /// The time it waited for the slot (zero without a limit).
    pub queued: Duration,
    /// When it was admitted, where a limit made the clock be read; none: just now.
    pub at: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(seqs: Option<usize>, queue: Option<usize>) -> Limits {
        Limits {
            max_num_seqs: seqs,
            max_waiting_queue_length: queue,
        }
    }

    #[tokio::test]
    async fn without_a_limit_everything_runs_and_is_counted() {
        let scheduler = Scheduler::new(Limits::default());
        let a = scheduler.admit().await.unwrap();
        let b = scheduler.admit().await.unwrap();
        assert_eq!(scheduler.running(), 2);
        assert_eq!((a.queued, a.at), (Duration::ZERO, None), "no wait, no clock read");
        drop((a, b));
        assert_eq!(scheduler.running(), 0);
    }

    #[tokio::test]
    async fn a_full_engine_queues_first_come_first_served() {
        let scheduler = Scheduler::new(limits(Some(1), None));
        let first = scheduler.admit().await.unwrap();
        assert!(first.at.is_some());
        let queued = tokio::spawn({
            let scheduler = scheduler.clone();
            async move { scheduler.admit().await.map(|admission| admission.queued) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!((scheduler.running(), scheduler.waiting()), (1, 1));
        drop(first);
        let waited = queued.await.unwrap().unwrap();
        assert!(waited >= Duration::from_millis(40), "{waited:?}");
        assert_eq!((scheduler.running(), scheduler.waiting()), (0, 0));
    }

    #[tokio::test]
    async fn a_full_queue_refuses() {
        let scheduler = Scheduler::new(limits(Some(1), Some(1)));
        let _running = scheduler.admit().await.unwrap();
        let waiter = tokio::spawn({
            let scheduler = scheduler.clone();
            async move { scheduler.admit().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(scheduler.admit().await.err(), Some(QueueFull));
        assert_eq!(scheduler.waiting(), 1, "the refused one is not counted");
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(scheduler.waiting(), 0, "an abandoned wait is not counted either");
    }

    #[tokio::test]
    async fn new_limits_admit_those_waiting() {
        let scheduler = Scheduler::new(limits(Some(1), None));
        let _held = scheduler.admit().await.unwrap();
        let waiter = tokio::spawn({
            let scheduler = scheduler.clone();
            async move { scheduler.admit().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        scheduler.set_limits(limits(Some(4), None));
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("admitted under the new limit")
            .unwrap()
            .unwrap();
        assert!(limits(Some(0), None).validate().is_err());
    }
}
