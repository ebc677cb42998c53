//! Real conditions over real HTTP: timing, running slots and the queue, fault rules, idle
//! connections, the instance's name, and the run-time config.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mock_vllm::Filter;
use mock_vllm::admin::{ConfigPatch, FailureType, Match, Millis, Rule};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn chat(stream: bool) -> Value {
    json!({"model": "m", "messages": [{"role": "user", "content": "pace me"}], "stream": stream, "max_tokens": 6})
}

async fn add_rule(mock: &Mock, rule: Rule) {
    mock.admin.add_rule(&rule).await.expect("the mock takes the rule");
}

#[tokio::test]
async fn the_first_two_embeddings_get_429_with_retry_after_then_200_and_the_journal_says_so() {
    let mock = Mock::start().await;
    let rule = Rule::on(Match::path("/v1/embeddings"))
        .status(429)
        .retry_after(1)
        .first(2)
        .named("rate-limit-twice");
    add_rule(&mock, rule).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = mock.post_json("/v1/embeddings", &workshop_request()).await;
        if response.status() == 429 {
            assert_eq!(response.headers()["retry-after"], "1");
            let body: Value = response.json().await.unwrap();
            assert_vllm_error(429, &body, 429, "RateLimitError");
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(statuses, [429, 429, 200]);
    let journal = mock.journal(&on_path("/v1/embeddings")).await;
    let rules: Vec<Option<&str>> = journal.requests.iter().map(|e| e.treatment.rule.as_deref()).collect();
    assert_eq!(rules, [Some("rate-limit-twice"), Some("rate-limit-twice"), None]);
    let listed = mock.admin.rules().await.unwrap();
    assert_eq!((listed[0].hits, listed[0].matched), (2, 3));
}

#[tokio::test]
async fn a_streamed_answer_is_paced_by_the_inter_token_latency() {
    let mock = Mock::with(|c| {
        c.conditions.time_to_first_token = Millis(100.0);
        c.conditions.inter_token_latency = Millis(40.0);
    })
    .await;
    let started = Instant::now();
    let mut response = mock.post_json("/v1/chat/completions", &chat(true)).await;
    let mut arrivals = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        arrivals.push((started.elapsed(), chunk));
    }
    let text: String = arrivals
        .iter()
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert!(text.ends_with("data: [DONE]\n\n"));
    let first = arrivals[0].0;
    let last = arrivals.last().unwrap().0;
    // Each chunk is due at a time from admission, so none comes sooner than planned.
    assert!(first >= Duration::from_millis(100), "first chunk at {first:?}");
    // Six tokens: five gaps of 40 ms after the first.
    assert!(last >= Duration::from_millis(300), "last chunk at {last:?}");
    let entry = mock.last().await;
    assert_eq!(entry.treatment.first_token_ms, Some(100.0));
    assert_eq!(entry.treatment.inter_token_ms, Some(40.0));
    assert!(!entry.treatment.aborted);
    assert!(
        entry.treatment.chunks_sent.is_some_and(|n| n >= 7),
        "{:?}",
        entry.treatment
    );
}

#[tokio::test]
async fn a_large_batch_takes_longer_with_a_prefill_cost() {
    let mock = Mock::with(|c| c.conditions.prefill_time_per_token = Millis(1.0)).await;
    let started = Instant::now();
    mock.embed(json!({"input": "one two"})).await;
    let small = started.elapsed();
    let started = Instant::now();
    let words = vec!["word"; 300].join(" ");
    mock.embed(json!({"input": words})).await;
    let large = started.elapsed();
    assert!(large >= Duration::from_millis(300), "{large:?}");
    assert!(small < Duration::from_millis(250), "{small:?}");
    assert_eq!(mock.last().await.treatment.first_token_ms, Some(300.0));
}

#[tokio::test]
async fn a_stream_the_client_abandons_is_journaled_as_aborted() {
    let mock = Mock::with(|c| c.conditions.inter_token_latency = Millis(100.0)).await;
    let mut response = mock.post_json("/v1/chat/completions", &chat(true)).await;
    let first = response.chunk().await.unwrap();
    assert!(first.is_some());
    drop(response);
    let entry = wait_for_entry(&mock, "/v1/chat/completions").await;
    assert!(entry.treatment.aborted, "{:?}", entry.treatment);
    let sent = entry.treatment.chunks_sent.unwrap();
    assert!((1..7).contains(&sent), "{sent} chunks before the client left");
    assert_eq!(entry.status, 200, "the headers had gone out");
}

/// The entry for `path`, once it is written.
async fn wait_for_entry(mock: &Mock, path: &str) -> mock_vllm::RecordedRequest {
    let list = mock.wait_for(path, 1).await;
    std::sync::Arc::unwrap_or_clone(list.requests.into_iter().last().expect("an entry"))
}

#[tokio::test]
async fn a_hang_lasts_until_the_client_gives_up_and_is_journaled() {
    let mock = Mock::start().await;
    add_rule(&mock, Rule::on(Match::any()).hang().first(1).named("hang")).await;
    let result = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .timeout(Duration::from_millis(300))
        .json(&workshop_request())
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    let entry = wait_for_entry(&mock, "/v1/embeddings").await;
    assert_eq!(entry.status, 499);
    assert!(entry.treatment.aborted);
    assert_eq!(entry.treatment.rule.as_deref(), Some("hang"));
    // The rule acted once; the next request is answered.
    assert_eq!(mock.embed(workshop_request()).await.0, 200);
}

#[tokio::test]
async fn a_reset_rule_resets_the_connection() {
    let mock = Mock::start().await;
    add_rule(&mock, Rule::on(Match::any()).reset().first(1)).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    let body = workshop_request().to_string();
    let request = format!(
        "POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf).await;
    let err = read.expect_err("a reset, not an answer or a clean close");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert!(
        buf.is_empty(),
        "nothing was answered: {:?}",
        String::from_utf8_lossy(&buf)
    );
    let entry = mock.last().await;
    assert_eq!(
        (entry.status, entry.summary.as_str()),
        (0, "connection reset by a rule")
    );
}

#[tokio::test]
async fn a_cut_rule_stops_the_stream_and_a_malformed_rule_spoils_one_chunk() {
    let mock = Mock::start().await;
    add_rule(&mock, Rule::on(Match::any()).cut_after(3).first(1)).await;
    let response = mock.post_json("/v1/chat/completions", &chat(true)).await;
    assert_eq!(response.status(), 200);
    let err = response.text().await.expect_err("the stream never ends properly");
    assert!(err.is_body() || err.is_decode(), "{err}");
    let entry = wait_for_entry(&mock, "/v1/chat/completions").await;
    assert_eq!(entry.treatment.chunks_sent, Some(3));
    assert!(!entry.treatment.aborted, "the mock cut it, the client did not leave");

    add_rule(&mock, Rule::on(Match::any()).malformed_after(1).first(1)).await;
    let text = mock
        .post_json("/v1/chat/completions", &chat(true))
        .await
        .text()
        .await
        .unwrap();
    let events: Vec<&str> = text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert!(serde_json::from_str::<Value>(events[0].trim_start_matches("data: ")).is_ok());
    assert!(serde_json::from_str::<Value>(events[1].trim_start_matches("data: ")).is_err());
    assert_eq!(*events.last().unwrap(), "data: [DONE]");
}

#[tokio::test]
async fn one_running_slot_makes_the_others_wait_and_a_full_queue_refuses() {
    let mock = Mock::with(|c| {
        c.conditions.time_to_first_token = Millis(200.0);
        c.conditions.max_num_seqs = Some(1);
        c.conditions.max_waiting_queue_length = Some(1);
    })
    .await;
    let send = || mock.embed(workshop_request());
    let (a, b, c) = tokio::join!(send(), send(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        send().await
    });
    let mut statuses = [a.0, b.0, c.0];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 200, 429],
        "one ran, one waited, one found the queue full"
    );
    let refused = [a, b, c].into_iter().find(|(s, _)| *s == 429).unwrap().1;
    let message = assert_vllm_error(429, &refused, 429, "RateLimitError");
    assert_eq!(message, "Failed to enqueue request, waiting requests queue is full");
    let journal = mock.journal(&on_path("/v1/embeddings")).await;
    let queued = journal
        .requests
        .iter()
        .map(|e| e.treatment.queued_ms)
        .fold(0.0, f64::max);
    assert!(queued >= 150.0, "the second waited for the first: {queued} ms");
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_as_vllm_closes_them() {
    let mock = Mock::with(|c| c.keep_alive_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let closed = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf)).await;
    assert_eq!(closed.expect("closed within the keep-alive timeout").unwrap(), 0);

    // 0 keeps an idle connection open.
    let mock = Mock::with(|c| c.keep_alive_timeout_secs = 0).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = stream.read(&mut buf).await.unwrap();
    let open = tokio::time::timeout(Duration::from_millis(1500), stream.read(&mut buf)).await;
    assert!(open.is_err(), "still open after 1.5 s idle");
}

/// A request for `path` over `stream`, written by hand so no client reconnects for us.
async fn post_raw(stream: &mut TcpStream, path: &str, body: &Value) -> String {
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("answered within 10 s")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_request_in_flight_keeps_its_connection_past_the_idle_timeout() {
    let mock = Mock::with(|c| c.keep_alive_timeout_secs = 1).await;
    let slow = Rule::on(Match::path("/v1/embeddings"))
        .delay(Duration::from_millis(2500))
        .first(1);
    add_rule(&mock, slow).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    let answer = post_raw(&mut stream, "/v1/embeddings", &workshop_request()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(mock.last().await.treatment.delay_ms, 2500.0);

    // A wait on the inspection API, longer than the idle timeout, is in flight too.
    let mut waiting = TcpStream::connect(mock.server.addr()).await.unwrap();
    let wait = async {
        waiting
            .write_all(b"GET /_mock/requests/wait?path=/health&count=1&timeout_ms=5000 HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let n = waiting.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let later = async {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        mock.get("/health").await.status()
    };
    let (waited, health) = tokio::join!(wait, later);
    assert_eq!(health, 200);
    assert!(waited.starts_with("HTTP/1.1 200"), "{waited}");

    // Then, idle, the first connection is closed.
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf)).await;
    assert_eq!(closed.expect("closed within the keep-alive timeout").unwrap(), 0);
}

#[tokio::test]
async fn every_answer_and_entry_names_the_instance() {
    let mock = Mock::with(|c| c.instance_id = Some("replica-a".into())).await;
    let response = mock.post_json("/v1/embeddings", &workshop_request()).await;
    assert_eq!(response.headers()["x-mock-vllm-instance"], "replica-a");
    assert_eq!(&*mock.last().await.instance, "replica-a");
}

#[tokio::test]
async fn the_config_is_read_and_changed_at_run_time_and_validated() {
    let mock = Mock::start().await;
    let config = mock.admin.config().await.unwrap();
    assert_eq!(config.timing.time_to_first_token, Millis(0.0));
    assert_eq!(config.limits.max_num_seqs, None);

    let patch = ConfigPatch::default().time_to_first_token(Duration::from_millis(150));
    let config = mock.admin.patch_config(&patch).await.unwrap();
    assert_eq!(config.timing.time_to_first_token, Millis(150.0));
    let started = Instant::now();
    mock.embed(workshop_request()).await;
    assert!(started.elapsed() >= Duration::from_millis(140));

    // The wire takes a duration as text too, and refuses what does not validate in vLLM's
    // error body: sent raw, as a client in another language would.
    let patch = |body: Value| mock.http.patch(mock.url("/_mock/config")).json(&body).send();
    let response = patch(json!({"time-to-first-token": "150ms"})).await.unwrap();
    assert_eq!(response.status(), 200);
    let response = patch(json!({"inter-token-latency": 10, "inter-token-latency-std-dev": 5}))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let message = assert_vllm_error(status, &response.json().await.unwrap(), 400, "BadRequestError");
    assert!(message.contains("30%"), "{message}");
    let config = mock.admin.config().await.unwrap();
    assert_eq!(
        config.timing.inter_token_latency,
        Millis(0.0),
        "a refused change changes nothing"
    );
    assert_eq!(config.timing.time_to_first_token, Millis(150.0));
}

#[tokio::test]
async fn the_simulators_random_failures_are_reproducible_with_a_seed() {
    let run = || async {
        let mock = Mock::with(|c| {
            c.conditions.failure_injection_rate = 50;
            c.conditions.failure_types = vec![FailureType::ServerError];
            c.conditions.seed = Some(11);
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(mock.embed(workshop_request()).await.0);
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    assert!(first.iter().all(|s| *s == 503 || *s == 200));
}

#[tokio::test]
async fn the_journal_holds_no_more_than_its_byte_bound() {
    let mock = Mock::with(|c| c.journal_max_bytes = 300_000).await;
    let big = "word ".repeat(12_000);
    for _ in 0..10 {
        mock.embed(json!({"input": big})).await;
    }
    let list = mock.journal(&Filter::default()).await;
    assert_eq!(list.total, 10);
    assert!(list.dropped >= 5, "{} dropped", list.dropped);
    assert_eq!(list.requests.len() as u64 + list.dropped, 10);
    let metrics = mock.get("/metrics").await.text().await.unwrap();
    let bytes: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mock_vllm_journal_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(bytes <= 300_000.0, "{bytes}");
}
