//! The binary under load and SIGTERM: every answered request is in the JSON Lines file.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use mock_vllm::RecordedRequest;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the binary cargo built for this test, and returns it with its URL.
async fn start(journal: &std::path::Path) -> (Child, String) {
    start_with(journal, &[]).await
}

async fn start_with(journal: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-vllm"))
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--log-format",
            "off",
            "--journal-file",
        ])
        .arg(journal)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let banner = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("banner in time")
        .unwrap()
        .expect("a banner line");
    let port = banner.rsplit(':').next().unwrap().trim().to_owned();
    assert!(banner.starts_with("Mock vLLM server listening on :"), "{banner}");
    (child, format!("http://127.0.0.1:{port}"))
}

/// Sends SIGTERM and waits for a clean exit; then the file holds everything.
async fn terminate(child: &mut Child) {
    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it exits within the grace period")
        .unwrap();
    assert!(status.success(), "{status}");
}

fn read_journal(path: &std::path::Path) -> Vec<RecordedRequest> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn sigterm_after_load_leaves_every_request_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (mut child, url) = start(&path).await;
    let http = reqwest::Client::new();
    for i in 0..300 {
        let response = http
            .post(format!("{url}/v1/embeddings"))
            .json(&json!({"input": format!("request {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    terminate(&mut child).await;

    let entries = read_journal(&path);
    assert_eq!(entries.len(), 300);
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=300).collect::<Vec<_>>()
    );
    assert!(entries.iter().all(|e| e.path == "/v1/embeddings" && e.status == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_mid_load_loses_no_answered_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (mut child, url) = start(&path).await;

    let senders: Vec<_> = (0..16)
        .map(|client| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut answered = Vec::new();
                for i in 0..10_000 {
                    let input = format!("client {client} request {i}");
                    match http
                        .post(format!("{url}/v1/embeddings"))
                        .json(&json!({"input": input}))
                        .send()
                        .await
                    {
                        Ok(response) if response.status() == 200 => answered.push(input),
                        _ => break,
                    }
                }
                answered
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&mut child).await;

    let mut answered = Vec::new();
    for sender in senders {
        answered.extend(sender.await.unwrap());
    }
    assert!(!answered.is_empty(), "the load ran before the signal");
    let recorded: HashSet<String> = read_journal(&path)
        .iter()
        .filter_map(|e| e.body_json()?["input"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.iter().filter(|i| !recorded.contains(*i)).collect();
    assert!(
        missing.is_empty(),
        "{} answered requests missing from the file, e.g. {:?}",
        missing.len(),
        missing.first()
    );
}

/// One request of the mixed load, and what the client saw.
fn mixed_request(http: &reqwest::Client, url: &str, kind: usize, n: usize) -> reqwest::RequestBuilder {
    match kind % 8 {
        0 => http
            .post(format!("{url}/v1/embeddings"))
            .json(&json!({"input": format!("text {n}")})),
        1 => http
            .post(format!("{url}/v1/embeddings"))
            .header("content-type", "application/json")
            .body("{\"input\": "),
        2 => http
            .post(format!("{url}/v1/chat/completions"))
            .json(&json!({"messages": [{"role": "user", "content": format!("hello {n}")}]})),
        3 => http
            .post(format!("{url}/v1/completions"))
            .json(&json!({"prompt": format!("p {n}"), "stream": true, "max_tokens": 4})),
        4 => http.get(format!("{url}/v1/models")),
        5 => http.get(format!("{url}/nowhere/{n}")),
        6 => http.get(format!("{url}/v1/embeddings")),
        _ => http
            .post(format!("{url}/v1/embeddings"))
            .header("content-type", "text/plain")
            .body("{\"input\": \"x\"}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_load_from_64_clients_is_journaled_exactly() {
    const CLIENTS: usize = 64;
    const REQUESTS: usize = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (mut child, url) = start_with(&path, &["--journal-capacity", "100000"]).await;

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut seen: BTreeMap<(String, u16), usize> = BTreeMap::new();
                for i in 0..REQUESTS {
                    let response = mixed_request(&http, &url, client + i, i).send().await.unwrap();
                    let route = response.url().path().to_owned();
                    let route = if route.starts_with("/nowhere") {
                        "/nowhere".to_owned()
                    } else {
                        route
                    };
                    let status = response.status().as_u16();
                    response.bytes().await.unwrap();
                    *seen.entry((route, status)).or_default() += 1;
                }
                seen
            })
        })
        .collect();
    let mut sent: BTreeMap<(String, u16), usize> = BTreeMap::new();
    for client in clients {
        for (key, count) in client.await.unwrap() {
            *sent.entry(key).or_default() += count;
        }
    }

    let admin = mock_vllm::admin::AdminClient::new(url.as_str());
    let count = admin.count(&mock_vllm::Filter::default()).await.unwrap();
    assert_eq!(count, CLIENTS * REQUESTS);
    terminate(&mut child).await;

    let entries = read_journal(&path);
    assert_eq!(entries.len(), CLIENTS * REQUESTS);
    let mut recorded: BTreeMap<(String, u16), usize> = BTreeMap::new();
    for entry in &entries {
        let route = if entry.path.starts_with("/nowhere") {
            "/nowhere".to_owned()
        } else {
            entry.path.to_string()
        };
        *recorded.entry((route, entry.status)).or_default() += 1;
    }
    assert_eq!(recorded, sent);
    let mut seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=(CLIENTS * REQUESTS) as u64).collect::<Vec<_>>());
}
