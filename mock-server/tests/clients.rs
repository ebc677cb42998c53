//! Real clients against the mock: the OpenAI Python SDK and LiteLLM's `embedding()`.
//!
//! They come from the Python venv that `.ci/run` builds (`.venv`, or `PEERS_PYTHON`). Without
//! it the test says why and passes, unless `CONFORMANCE_REQUIRE` lists `openai-sdk`, as CI does.

mod common;

use std::process::Command;

use common::*;
use mock_vllm::Filter;
use serde_json::Value;

const KEY: &str = "sk-sdk-key";

fn python() -> Option<std::path::PathBuf> {
    if let Ok(python) = std::env::var("PEERS_PYTHON") {
        return Some(python.into());
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    venv.exists().then_some(venv)
}

fn required() -> bool {
    std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.split(',').any(|c| c.trim() == "openai-sdk"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_sdk_and_litellm_get_the_workshop_vector() {
    let Some(python) = python().filter(|p| {
        Command::new(p)
            .args(["-c", "import openai, litellm"])
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            !required(),
            "openai-sdk is required but no Python with openai and litellm was found"
        );
        eprintln!("skipped: no Python with openai and litellm (run .ci/run, or set PEERS_PYTHON)");
        return;
    };
    let mock = Mock::with(|c| c.api_keys = vec![KEY.into()]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/sdk_clients.py");
    let uri = mock.server.uri();
    let output = tokio::task::spawn_blocking(move || Command::new(python).args([script, &uri, KEY]).output())
        .await
        .unwrap()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let out: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");

    // The SDK asks for base64 by default and decodes it into floats: f32 precision.
    let default = floats(&out["sdk_default"]["data"][0]["embedding"]);
    let as_f32: Vec<f64> = WORKSHOP_VECTOR.iter().map(|&v| f64::from(v as f32)).collect();
    assert_eq!(default, as_f32);
    assert_eq!(out["sdk_default"]["usage"]["prompt_tokens"], 9);
    // Asked for floats, it gets the workshop's doubles exactly.
    assert_eq!(floats(&out["sdk_float"]["data"][0]["embedding"]), WORKSHOP_VECTOR);
    assert_eq!(floats(&out["sdk_batch"]["data"][1]["embedding"]), WORKSHOP_VECTOR);
    assert_eq!(out["sdk_batch"]["data"][1]["index"], 1);

    let chat_text = out["sdk_chat"]["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(out["sdk_chat_stream"], chat_text);
    assert_eq!(out["sdk_models"], serde_json::json!([WORKSHOP_MODEL]));
    assert_eq!(out["sdk_wrong_key"], "AuthenticationError");
    assert_eq!(out["sdk_truncated"], 10);
    assert_eq!(out["sdk_truncate_too_far"], "BadRequestError");
    assert_eq!(out["sdk_completion"], serde_json::json!({"choices": 2, "tokens": 10}));
    assert_eq!(out["sdk_retrieve"], "NotFoundError");

    assert_eq!(floats(&out["litellm"]["embedding"]), WORKSHOP_VECTOR);
    assert_eq!(out["litellm"]["prompt_tokens"], 9);

    // What the SDK sent, as the journal saw it.
    let first = mock.server.journal().list(&Filter::default()).requests.remove(0);
    assert_eq!(first.path, "/v1/embeddings");
    assert_eq!(first.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(first.body_json().unwrap()["encoding_format"], "base64");
    let litellm = mock.server.journal().last(&Filter::default()).unwrap();
    assert_eq!(litellm.path, "/v1/embeddings");
    assert_eq!(litellm.body_json().unwrap()["model"], WORKSHOP_MODEL);
}
