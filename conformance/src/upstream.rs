//! The upstream's evidence: the mock's journal, read through its admin client
//! ([`mock_vllm::admin::AdminClient`]), which every target hands out for its mock
//! ([`crate::targets::Target::upstream`]).
//!
//! Every target reaches its mock over HTTP, in process or not, so a scenario reads the same
//! evidence whether the mock runs in this process, in a container or in a cluster.

use std::time::Duration;

use mock_vllm::admin::{AdminClient, AdminError};
use mock_vllm::{Filter, RecordedRequest};

/// The entries matching `filter` once `count` of them are there, or what there is when
/// `timeout` has passed first: a gateway's retry may come late, or not at all.
pub async fn settled(
    mock: &AdminClient,
    filter: &Filter,
    count: usize,
    timeout: Duration,
) -> Result<Vec<RecordedRequest>, AdminError> {
    let list = match mock.wait(filter, count, timeout).await? {
        Some(list) => list,
        None => mock.requests(filter).await?,
    };
    Ok(list.requests.into_iter().map(std::sync::Arc::unwrap_or_clone).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settled_gives_what_there_is_when_fewer_come() {
        let mock = mock_vllm::MockServer::start(mock_vllm::Config::ephemeral())
            .await
            .unwrap();
        let admin = AdminClient::new(mock.uri());
        let models = Filter {
            path: Some("/v1/models".into()),
            ..Filter::default()
        };
        let url = format!("{}/v1/models", mock.uri());
        reqwest::get(&url).await.unwrap();
        let one = settled(&admin, &models, 1, Duration::from_secs(5)).await.unwrap();
        assert_eq!(one.len(), 1);
        let started = std::time::Instant::now();
        let still_one = settled(&admin, &models, 2, Duration::from_millis(100)).await.unwrap();
        assert_eq!(still_one.len(), 1, "no second came: the one there is");
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}
