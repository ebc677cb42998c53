//! The suite's one polling loop, for evidence that shows up in its own time (a journal entry
//! written once a gateway hung up, an access line logged after the answer, a process that
//! becomes ready): every wait of the suite that is not a watch (`kind/api.rs` waits on one)
//! or the mock's own long-poll goes through it, so each has a timeout and none sleeps blindly.

use std::time::Duration;

/// The suite's one polling loop: calls `find` every `interval` until it gives a value or
/// `timeout` has passed (a call that itself waits, such as the journal's long-poll, counts its
/// time too). `None` when nothing came in time.
pub async fn poll<T, F, Fut>(timeout: Duration, interval: Duration, mut find: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(found) = find().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn polls_until_found_or_out_of_time() {
        let tries = Cell::new(0);
        let found = poll(Duration::from_secs(5), Duration::from_millis(1), || {
            tries.set(tries.get() + 1);
            let n = tries.get();
            async move { (n == 3).then_some(n) }
        })
        .await;
        assert_eq!(found, Some(3));
        let started = tokio::time::Instant::now();
        let nothing = poll(Duration::from_millis(30), Duration::from_millis(5), || async {
            None::<()>
        })
        .await;
        assert_eq!(nothing, None);
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
