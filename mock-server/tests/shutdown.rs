//! The binary under SIGTERM: every answered request is in the JSON Lines file.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use mock_vllm::RecordedRequest;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the release-or-debug binary cargo built for this test, and returns it with its URL.
async fn start(journal: &std::path::Path) -> (Child, String) {
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

fn terminate(child: &Child) {
    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGTERM).unwrap();
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
    terminate(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");

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
    terminate(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");

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
