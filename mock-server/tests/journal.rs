//! The request journal over `/_mock`: what is recorded, the filters, the long-poll, and
//! exact counts under concurrency.

mod common;

use std::time::Duration;

use common::*;
use mock_vllm::Filter;
use mock_vllm::journal::BodyEncoding;
use serde_json::{Value, json};

#[tokio::test]
async fn an_entry_holds_the_request_as_received() {
    let mock = Mock::start().await;
    let response = mock
        .http
        .post(mock.url("/v1/embeddings?trace=1"))
        .header("Content-Type", "application/json")
        .header("X-Repeat", "one")
        .header("X-Repeat", "two")
        .header("Authorization", "Bearer sk-abc")
        .body(workshop_request().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let entry = mock.last().await;
    assert_eq!(entry.seq, 1);
    assert_eq!(entry.method, "POST");
    assert_eq!(entry.path, "/v1/embeddings");
    assert_eq!(entry.query.as_deref(), Some("trace=1"));
    assert_eq!(entry.headers_named("x-repeat").collect::<Vec<_>>(), ["one", "two"]);
    assert_eq!(entry.header("authorization"), Some("Bearer sk-abc"));
    assert!(entry.headers.iter().all(|h| h.name == h.name.to_lowercase()));
    let names: Vec<&str> = entry.headers.iter().map(|h| h.name.as_str()).collect();
    let position = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(position("content-type") < position("x-repeat") && position("x-repeat") < position("authorization"));
    assert_eq!(entry.body_json(), Some(workshop_request()));
    assert_eq!(entry.body_encoding, BodyEncoding::Utf8);
    assert_eq!(entry.status, 200);
    assert_eq!(entry.model.as_deref(), Some(WORKSHOP_MODEL));
    assert_eq!(entry.inputs, Some(1));
    assert_eq!(entry.summary, "embedding with 10 dims");
    assert!(entry.latency_ms > 0.0);
    assert!((time::OffsetDateTime::now_utc() - entry.time).whole_seconds().abs() < 60);
}

#[tokio::test]
async fn binary_bodies_are_kept_as_base64_and_long_ones_cut() {
    let mock = Mock::with(|c| c.journal_body_limit = 16).await;
    mock.http
        .post(mock.url("/v1/embeddings"))
        .header("content-type", "application/json")
        .body(vec![0xff, 0x00, 0xfe])
        .send()
        .await
        .unwrap();
    let entry = mock.last().await;
    assert_eq!(entry.status, 400);
    assert_eq!(entry.body_encoding, BodyEncoding::Base64);
    assert_eq!(&*entry.body_bytes(), [0xff, 0x00, 0xfe]);

    mock.embed(json!({"input": "a fairly long input text"})).await;
    let entry = mock.last().await;
    assert!(entry.body_truncated);
    assert_eq!(entry.body.len(), 16);
    assert!(entry.body_size > 16);
}

#[tokio::test]
async fn filters_select_by_method_path_prefix_and_sequence() {
    let mock = Mock::start().await;
    mock.embed(workshop_request()).await; // 1
    mock.get("/v1/models").await; // 2
    mock.embed(workshop_request()).await; // 3
    mock.get("/health").await; // 4

    let seqs = |list: mock_vllm::RequestList| list.requests.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(mock.journal(&Filter::default()).await), [1, 2, 3, 4]);
    assert_eq!(
        seqs(
            mock.journal(&Filter {
                method: Some("get".into()),
                ..Filter::default()
            })
            .await
        ),
        [2, 4]
    );
    assert_eq!(seqs(mock.journal(&on_path("/v1/embeddings")).await), [1, 3]);
    assert_eq!(
        seqs(
            mock.journal(&Filter {
                path_prefix: Some("/v1/".into()),
                ..Filter::default()
            })
            .await
        ),
        [1, 2, 3]
    );
    assert_eq!(
        seqs(
            mock.journal(&Filter {
                since_seq: Some(2),
                ..Filter::default()
            })
            .await
        ),
        [3, 4]
    );
    assert_eq!(
        seqs(
            mock.journal(&Filter {
                since_seq: Some(1),
                limit: Some(2),
                ..Filter::default()
            })
            .await
        ),
        [2, 3]
    );
    assert_eq!(
        seqs(
            mock.journal(&Filter {
                method: Some("POST".into()),
                path_prefix: Some("/v1".into()),
                since_seq: Some(1),
                ..Filter::default()
            })
            .await
        ),
        [3]
    );

    let count: Value = mock
        .get("/_mock/requests/count?path=/v1/embeddings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count, json!({"count": 2}));
    let last: Value = mock.get("/_mock/requests/last?method=POST").await.json().await.unwrap();
    assert_eq!(last["seq"], 3);
    assert_eq!(mock.admin.count(&on_path("/v1/embeddings")).await.unwrap(), 2);

    let list = mock.journal(&Filter::default()).await;
    assert_eq!((list.total, list.dropped), (4, 0));
}

#[tokio::test]
async fn bad_filters_are_400_and_an_empty_last_is_404() {
    let mock = Mock::start().await;
    let response = mock.get("/_mock/requests?since_seq=abc").await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], 400);

    let response = mock.get("/_mock/requests/last").await;
    assert_eq!(response.status(), 404);
    assert!(
        mock.admin.last().await.unwrap().is_none(),
        "the client reads a 404 as none"
    );
}

#[tokio::test]
async fn inspection_calls_are_not_journaled_and_clear_empties() {
    let mock = Mock::start().await;
    mock.embed(workshop_request()).await;
    for _ in 0..3 {
        mock.journal(&Filter::default()).await;
        mock.get("/_mock/requests/count").await;
    }
    assert_eq!(mock.journal(&Filter::default()).await.requests.len(), 1);

    let cleared = mock.http.delete(mock.url("/_mock/requests")).send().await.unwrap();
    assert_eq!(cleared.status(), 204);
    mock.embed(workshop_request()).await;
    mock.admin.clear().await.unwrap();
    let list = mock.journal(&Filter::default()).await;
    assert!(list.requests.is_empty());
    assert_eq!(list.total, 0);
    // Sequence numbers go on, so since_seq stays meaningful across a clear.
    mock.embed(workshop_request()).await;
    assert_eq!(mock.last().await.seq, 3);
}

#[tokio::test]
async fn wait_long_polls_until_the_requests_arrive() {
    let mock = Mock::start().await;
    let embeddings = on_path("/v1/embeddings");
    let waiter = mock.admin.wait(&embeddings, 2, Duration::from_secs(10));
    let sender = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        mock.get("/v1/models").await;
        mock.embed(workshop_request()).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        mock.embed(workshop_request()).await;
    };
    let (list, ()) = tokio::join!(waiter, sender);
    let list = list.unwrap().expect("the two came in time");
    assert_eq!(list.requests.len(), 2);
    assert!(list.requests.iter().all(|e| e.path == "/v1/embeddings"));
}

#[tokio::test]
async fn wait_times_out_with_408() {
    let mock = Mock::start().await;
    mock.embed(workshop_request()).await;
    let response = mock.get("/_mock/requests/wait?count=2&timeout_ms=100").await;
    assert_eq!(response.status(), 408);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], 408);
    assert!(body["error"]["message"].as_str().unwrap().contains("1 matched"));
    let waited = mock.admin.wait(&Filter::default(), 2, Duration::from_millis(100)).await;
    assert!(waited.unwrap().is_none(), "the client reads a 408 as nothing in time");
}

#[tokio::test]
async fn the_ring_drops_the_oldest_and_says_so() {
    let mock = Mock::with(|c| c.journal_capacity = 3).await;
    for _ in 0..5 {
        mock.get("/health").await;
    }
    let list = mock.journal(&Filter::default()).await;
    assert_eq!((list.total, list.dropped), (5, 2));
    assert_eq!(list.requests.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    const CLIENTS: usize = 32;
    const REQUESTS: usize = 500;
    let mock = Mock::start().await; // default capacity: 10,000 of the 16,000 requests stay.
    let url = mock.url("/v1/embeddings");
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let http = mock.http.clone();
            let url = url.clone();
            tokio::spawn(async move {
                for i in 0..REQUESTS {
                    let body = json!({"input": format!("client {client} request {i}")});
                    let response = http.post(&url).json(&body).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let total = (CLIENTS * REQUESTS) as u64;
    let list = mock
        .journal(&Filter {
            limit: Some(1),
            ..Filter::default()
        })
        .await;
    assert_eq!(list.total, total);
    assert_eq!(list.dropped, total - 10_000);
    let count: Value = mock.get("/_mock/requests/count").await.json().await.unwrap();
    assert_eq!(count["count"], 10_000);
    // The ring holds exactly the newest 10,000, in sequence, without gaps.
    let all = mock.journal(&Filter::default()).await.requests;
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, ((total - 9_999)..=total).collect::<Vec<_>>());
}
