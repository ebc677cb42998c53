//! The per-request log, as `kubectl logs` shows it.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use mock_vllm::config::LogFormat;
use mock_vllm::{Config, MockServer};

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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

async fn logged(tweak: impl FnOnce(&mut Config), send: impl AsyncFnOnce(&reqwest::Client, &str)) -> String {
    let out = Captured::default();
    let mut config = Config {
        log_format: LogFormat::Text,
        ..Config::ephemeral()
    };
    tweak(&mut config);
    let server = MockServer::start_with_log(config, Box::new(out.clone())).await.unwrap();
    send(&reqwest::Client::new(), &server.uri()).await;
    server.shutdown().await.unwrap();
    out.text()
}

#[tokio::test]
async fn each_request_prints_the_workshop_block() {
    let text = logged(
        |_| {},
        async |http, uri| {
            http.post(format!("{uri}/v1/embeddings"))
                .bearer_auth("sk-workshop-key")
                .json(&workshop_request())
                .send()
                .await
                .unwrap();
        },
    )
    .await;
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == "=== REQUEST ===").expect(&text);
    assert_eq!(lines[start + 1], "Path: /v1/embeddings");
    assert_eq!(lines[start + 2], "Headers:");
    assert!(lines.contains(&"  content-type: application/json"), "{text}");
    assert!(lines.contains(&"  authorization: Bearer sk-w****"), "{text}");
    assert!(!text.contains("sk-workshop-key"));
    assert!(lines.iter().any(|l| l.starts_with("  host: 127.0.0.1:")));
    let body_line = lines.iter().find(|l| l.starts_with("Body: ")).unwrap();
    assert!(body_line.contains(WORKSHOP_TEXT));
    assert!(lines.contains(&"Response: embedding with 10 dims"));
    assert_eq!(lines.last(), Some(&"==============="));
}

#[tokio::test]
async fn log_secrets_shows_the_key_and_probes_are_not_logged() {
    let text = logged(
        |c| c.log_secrets = true,
        async |http, uri| {
            http.get(format!("{uri}/health")).send().await.unwrap();
            http.get(format!("{uri}/v1/models"))
                .bearer_auth("sk-workshop-key")
                .send()
                .await
                .unwrap();
        },
    )
    .await;
    assert!(text.contains("  authorization: Bearer sk-workshop-key"), "{text}");
    assert_eq!(text.matches("=== REQUEST ===").count(), 1, "{text}");
    assert!(!text.contains("Path: /health"));
}

#[tokio::test]
async fn json_format_prints_one_entry_per_line() {
    let text = logged(
        |c| c.log_format = LogFormat::Json,
        async |http, uri| {
            for _ in 0..3 {
                http.post(format!("{uri}/v1/embeddings"))
                    .json(&workshop_request())
                    .send()
                    .await
                    .unwrap();
            }
        },
    )
    .await;
    let entries: Vec<mock_vllm::RecordedRequest> = text.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(entries.iter().all(|e| e.path == "/v1/embeddings" && e.status == 200));
}
