//! The admin client against a real mock: every call of the `/_mock` API, what it answers, and
//! how it reads the mock's refusals.

mod common;

use std::time::Duration;

use common::*;
use mock_vllm::Filter;
use mock_vllm::admin::{AdminClient, AdminError, ConfigPatch, Match, Millis, Rule, RuntimeConfig};

#[tokio::test]
async fn reads_and_waits_on_the_journal_with_the_filter_as_the_query() {
    let mock = Mock::start().await;
    let admin = AdminClient::new(format!("{}/", mock.server.uri()));
    assert_eq!(admin.base(), mock.server.uri(), "a trailing slash is dropped");
    assert!(admin.last().await.unwrap().is_none());
    assert!(admin.healthy().await, "GET /health, which the journal records");

    mock.get("/v1/models").await;
    let models = on_path("/v1/models");
    let seen = admin.wait(&models, 1, Duration::from_secs(5)).await.unwrap().unwrap();
    assert_eq!(seen.requests[0].status, 200);
    // The filter travels as the query: another path is not counted.
    mock.get("/health").await;
    assert_eq!(admin.requests(&models).await.unwrap().requests.len(), 1);
    assert_eq!(admin.count(&Filter::default()).await.unwrap(), 3);
    let since = Filter {
        since_seq: Some(seen.requests[0].seq),
        ..Filter::default()
    };
    assert_eq!(admin.requests(&since).await.unwrap().requests[0].path, "/health");
    assert_eq!(admin.last().await.unwrap().unwrap().path, "/health");
    let waited = admin.wait(&models, 2, Duration::from_millis(50)).await.unwrap();
    assert!(waited.is_none(), "a 408 is nothing in time");
    admin.clear().await.unwrap();
    assert!(admin.last().await.unwrap().is_none());
}

#[tokio::test]
async fn rules_are_added_listed_and_removed() {
    let mock = Mock::start().await;
    let admin = &mock.admin;
    let id = admin
        .add_rule(&Rule::on(Match::path("/v1/embeddings")).status(503).first(1))
        .await
        .unwrap();
    assert_eq!(id, "rule-1", "the mock names a rule given no id");
    let ids = admin
        .add_rules(&[
            Rule::on(Match::path("/health")).status(500).named("health"),
            Rule::on(Match::any()).hang().named("never"),
        ])
        .await
        .unwrap();
    assert_eq!(ids, ["health", "never"]);
    admin.remove_rule("never").await.unwrap();

    let (status, body) = mock.embed(workshop_request()).await;
    assert_vllm_error(status, &body, 503, "ServiceUnavailableError");
    assert_eq!(mock.embed(workshop_request()).await.0, 200, "the first only");
    let rules = admin.rules().await.unwrap();
    let counts: Vec<_> = rules.iter().map(|r| (r.id.as_str(), r.matched, r.hits)).collect();
    assert_eq!(counts, [("rule-1", 2, 1), ("health", 0, 0)]);

    // All or none: an invalid rule among valid ones adds nothing.
    let refused = admin
        .add_rules(&[Rule::on(Match::any()).hang(), Rule::on(Match::any()).status(200)])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AdminError::Status { status: 400, body, .. } if body.contains("400 to 599")),
        "{refused}"
    );
    assert_eq!(admin.rules().await.unwrap().len(), 2);
    let missing = admin.remove_rule("never").await.unwrap_err();
    assert!(matches!(missing, AdminError::Status { status: 404, .. }), "{missing}");

    admin.clear_rules().await.unwrap();
    assert!(admin.rules().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_config_is_patched_refused_whole_and_reset() {
    let mock = Mock::with(|c| c.conditions.max_num_seqs = Some(2)).await;
    let admin = &mock.admin;
    assert_eq!(admin.config().await.unwrap().limits.max_num_seqs, Some(2));

    let patch = ConfigPatch::default()
        .inter_token_latency(Duration::from_millis(20))
        .max_waiting_queue_length(Some(3));
    let config = admin.patch_config(&patch).await.unwrap();
    assert_eq!(config.timing.inter_token_latency, Millis(20.0));
    assert_eq!(config.limits.max_num_seqs, Some(2), "left as it was");
    assert_eq!(config.limits.max_waiting_queue_length, Some(3));

    let too_wide = ConfigPatch::default().inter_token_latency_std_dev(Duration::from_millis(10));
    let refused = admin.patch_config(&too_wide).await.unwrap_err();
    assert!(matches!(refused, AdminError::Status { status: 400, .. }), "{refused}");
    assert_eq!(
        admin.config().await.unwrap(),
        config,
        "a refused change changes nothing"
    );

    admin.add_rule(&Rule::on(Match::any()).reset()).await.unwrap();
    admin.reset_conditions().await.unwrap();
    assert_eq!(admin.config().await.unwrap(), RuntimeConfig::default());
    assert!(admin.rules().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_mock_that_is_not_there_is_an_http_error() {
    let admin = AdminClient::new("http://127.0.0.1:9");
    assert!(!admin.healthy().await);
    let err = admin.count(&Filter::default()).await.unwrap_err();
    assert!(matches!(err, AdminError::Http { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("the mock's admin API at http://127.0.0.1:9/"),
        "{err}"
    );
}
