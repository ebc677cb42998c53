//! The rest of vLLM's surface over real HTTP: models, chat, completions, ops routes, errors.

mod common;

use common::*;
use serde_json::{Value, json};

/// The `data:` payloads of an SSE body, `[DONE]` included.
fn sse_data(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| event.strip_prefix("data: ").expect("data event").to_owned())
        .collect()
}

#[tokio::test]
async fn models_lists_served_names_with_vllms_fields() {
    let mock = Mock::with(|c| c.served_model_names = vec!["qwen3".into(), "alias".into()]).await;
    let body: Value = mock.get("/v1/models").await.json().await.unwrap();
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["qwen3", "alias"]);
    let card = &body["data"][0];
    assert_eq!(card["object"], "model");
    assert_eq!(card["owned_by"], "vllm");
    assert_eq!(card["root"], WORKSHOP_MODEL);
    assert_eq!(card["max_model_len"], 32768);
    assert_eq!(card["permission"][0]["object"], "model_permission");
    assert!(card["created"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn chat_completion_is_deterministic_with_usage() {
    let mock = Mock::start().await;
    let request = json!({"model": "qwen3", "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hello there"}]}
    ]});
    let first = mock.post_for_json("/v1/chat/completions", &request).await;
    let second = mock.post_for_json("/v1/chat/completions", &request).await;
    assert_eq!(first["object"], "chat.completion");
    // vLLM answers with its served name, whatever the request named.
    assert_eq!(first["model"], WORKSHOP_MODEL);
    // vLLM's ChatMessage: refusal and the others null, tool_calls left out when empty.
    let message = &first["choices"][0]["message"];
    assert_eq!(message["refusal"], Value::Null);
    assert!(message.as_object().unwrap().contains_key("refusal"));
    assert!(!message.as_object().unwrap().contains_key("tool_calls"));
    let content = first["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(content, second["choices"][0]["message"]["content"]);
    assert_eq!(first["choices"][0]["message"]["role"], "assistant");
    assert_eq!(first["choices"][0]["finish_reason"], "stop");
    let words = content.split(' ').count();
    assert_eq!(first["usage"]["completion_tokens"], words);
    // The rendered conversation, `system: be briefuser: hello thereassistant:`.
    assert_eq!(first["usage"]["prompt_tokens"], 5);
    assert_eq!(first["usage"]["total_tokens"], 5 + words);
    let entry = mock.last().await;
    assert_eq!((entry.model.as_deref(), entry.inputs), (Some("qwen3"), Some(2)));
}

#[tokio::test]
async fn chat_max_tokens_cuts_with_length() {
    let mock = Mock::start().await;
    let request = json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2});
    let body = mock.post_for_json("/v1/chat/completions", &request).await;
    assert_eq!(body["usage"]["completion_tokens"], 2);
    assert_eq!(body["choices"][0]["finish_reason"], "length");

    let request = json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0});
    let response = mock.post_json("/v1/chat/completions", &request).await;
    let status = response.status().as_u16();
    assert_vllm_error(status, &response.json().await.unwrap(), 400, "BadRequestError");
}

#[tokio::test]
async fn chat_stream_matches_the_whole_answer_and_ends_with_done() {
    let mock = Mock::start().await;
    let messages = json!([{"role": "user", "content": "stream this please"}]);
    let whole = mock
        .post_for_json("/v1/chat/completions", &json!({"messages": messages}))
        .await;
    let response = mock
        .post_json(
            "/v1/chat/completions",
            &json!({"messages": messages, "stream": true, "stream_options": {"include_usage": true}}),
        )
        .await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse_data(&response.text().await.unwrap());
    assert_eq!(events.last().unwrap(), "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"].get(0)?["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, whole["choices"][0]["message"]["content"].as_str().unwrap());
    let usage_chunk = chunks.last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    // The same counts; as vLLM 0.33.0 streams them, without the two details keys.
    let counts =
        |usage: &Value| ["prompt_tokens", "completion_tokens", "total_tokens"].map(|key| usage[key].as_u64().unwrap());
    assert_eq!(counts(&usage_chunk["usage"]), counts(&whole["usage"]));
    assert!(usage_chunk["usage"].get("prompt_tokens_details").is_none());
    assert_eq!(usage_chunk["system_fingerprint"], whole["system_fingerprint"]);
    let finish = &chunks[chunks.len() - 2]["choices"][0]["finish_reason"];
    assert_eq!(finish, "stop");
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk" && c["id"] == chunks[0]["id"])
    );
}

#[tokio::test]
async fn chat_stream_without_include_usage_has_no_usage() {
    let mock = Mock::start().await;
    let response = mock
        .post_json(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": "x"}], "stream": true}),
        )
        .await;
    let events = sse_data(&response.text().await.unwrap());
    assert!(events.iter().all(|e| !e.contains("\"usage\"")));
}

#[tokio::test]
async fn completions_answer_each_prompt() {
    let mock = Mock::start().await;
    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": ["one", "two words"], "max_tokens": 5}),
        )
        .await;
    assert_eq!(body["object"], "text_completion");
    let choices = body["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 2);
    assert_eq!(choices[1]["index"], 1);
    assert_eq!(body["usage"]["prompt_tokens"], 3);
    assert_eq!(body["usage"]["completion_tokens"], 10);

    let response = mock
        .post_json(
            "/v1/completions",
            &json!({"prompt": "one", "max_tokens": 5, "stream": true, "stream_options": {"include_usage": true}}),
        )
        .await;
    let events = sse_data(&response.text().await.unwrap());
    assert_eq!(events.last().unwrap(), "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"].get(0)?["text"].as_str())
        .collect();
    assert_eq!(text, choices[0]["text"].as_str().unwrap());
    assert_eq!(chunks.last().unwrap()["usage"]["completion_tokens"], 5);
}

#[tokio::test]
async fn completions_need_a_prompt() {
    let mock = Mock::start().await;
    // As vLLM 0.33.0 answers each: its model validator, its renderer, its input processor.
    for (prompt, message, param) in [
        (
            None,
            "Either prompt or prompt_embeds must be provided and non-empty. (parameter=prompt)",
            json!("prompt"),
        ),
        (
            Some(json!("")),
            "Either prompt or prompt_embeds must be provided and non-empty. (parameter=prompt)",
            json!("prompt"),
        ),
        (
            Some(json!([])),
            "You must pass at least one prompt (parameter=prompt)",
            json!("prompt"),
        ),
        (Some(json!([[]])), "The decoder prompt cannot be empty", Value::Null),
    ] {
        let mut body = json!({"model": "m"});
        if let Some(prompt) = prompt {
            body["prompt"] = prompt;
        }
        let response = mock.post_json("/v1/completions", &body).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(assert_vllm_error(status, &body, 400, "BadRequestError"), message);
        assert_eq!(body["error"]["param"], param);
    }
}

#[tokio::test]
async fn health_version_and_metrics() {
    let mock = Mock::start().await;
    let health = mock.get("/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "");
    assert_eq!(mock.get("/ping").await.status(), 200);
    assert_eq!(mock.http.post(mock.url("/ping")).send().await.unwrap().status(), 200);

    let version: Value = mock.get("/version").await.json().await.unwrap();
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));

    mock.embed(workshop_request()).await;
    mock.get("/nowhere").await;
    let metrics = mock.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"mock_vllm_requests_total{method="POST",route="/v1/embeddings",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"mock_vllm_requests_total{method="GET",route="other",status="404"} 1"#));
    assert!(metrics.contains(r#"mock_vllm_requests_total{method="POST",route="/ping",status="200"} 1"#));
    // /health, two /ping, /version, the embedding and the 404 are journaled; /metrics after.
    assert!(metrics.contains("mock_vllm_journal_entries 6"), "{metrics}");
    assert!(metrics.contains("mock_vllm_journal_dropped 0"));
}

#[tokio::test]
async fn unknown_path_is_fastapis_404() {
    let mock = Mock::start().await;
    // vLLM has no route to one model's card either.
    for path in ["/v2/embeddings?x=1", "/v1/models/qwen3"] {
        let response = mock.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
    }
}

#[tokio::test]
async fn head_is_refused_and_a_trailing_slash_redirected_as_starlette_does() {
    let mock = Mock::start().await;
    let head = mock.http.head(mock.url("/health")).send().await.unwrap();
    assert_eq!(head.status(), 405);
    assert_eq!(head.headers()["allow"], "GET");
    assert_eq!(mock.http.head(mock.url("/metrics")).send().await.unwrap().status(), 200);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = no_redirects.post(mock.url("/v1/embeddings/?a=1")).send().await.unwrap();
    assert_eq!(moved.status(), 307);
    assert_eq!(moved.headers()["location"], mock.url("/v1/embeddings?a=1").as_str());
    let unknown = no_redirects.post(mock.url("/v1/nothing/")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn wrong_method_is_fastapis_405_with_allow() {
    let mock = Mock::start().await;
    // As vLLM 0.33.0 answers: a GET route refuses HEAD too, and /ping's GET comes first.
    for (method, path, allowed) in [
        ("GET", "/v1/embeddings", "POST"),
        ("POST", "/v1/models", "GET"),
        ("DELETE", "/health", "GET"),
        ("PUT", "/ping", "GET"),
    ] {
        let response = mock
            .http
            .request(method.parse().unwrap(), mock.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"detail": "Method Not Allowed"})
        );
    }
}

#[tokio::test]
async fn body_over_the_limit_is_413_and_journaled() {
    let mock = Mock::with(|c| c.max_body_bytes = 1024).await;
    let big = json!({"input": "x".repeat(2048)});
    let (status, body) = mock.embed(big).await;
    assert_vllm_error(status, &body, 413, "Request Entity Too Large");

    // Without a content-length (chunked), the limit holds too.
    let pieces = vec![b"{\"input\": \"".to_vec(), vec![b'y'; 4096], b"\"}".to_vec()];
    let response = mock.post_chunked("/v1/embeddings", pieces).await;
    assert_eq!(response.status(), 413);
    let entries = mock.journal(&on_path("/v1/embeddings")).await;
    assert!(entries.requests[0].body_size > 2048, "the declared size is journaled");
    assert_eq!(
        entries.requests.iter().map(|e| e.status).collect::<Vec<_>>(),
        [413, 413]
    );
}

#[tokio::test]
async fn every_route_counts_under_its_own_label() {
    let mock = Mock::start().await;
    mock.post_json("/tokenize", &json!({"prompt": "hello world"})).await;
    mock.post_json("/rerank", &json!({"query": "a", "documents": ["b"]}))
        .await;
    mock.post_json("/v2/rerank", &json!({"query": "a", "documents": ["b"]}))
        .await;
    mock.post_json("/invocations", &json!({"input": "a"})).await;
    mock.get("/load").await;
    let metrics = mock.get("/metrics").await.text().await.unwrap();
    for (method, route) in [
        ("POST", "/tokenize"),
        ("POST", "/rerank"),
        ("POST", "/v2/rerank"),
        ("POST", "/invocations"),
        ("GET", "/load"),
    ] {
        let line = format!(r#"mock_vllm_requests_total{{method="{method}",route="{route}",status="200"}} 1"#);
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
    assert!(!metrics.contains(r#"route="other""#), "{metrics}");
}

#[tokio::test]
async fn a_response_is_generated_as_chat_is_and_journaled_as_a_response() {
    let mock = Mock::start().await;
    let request = json!({"input": "hello there", "instructions": "be brief", "max_output_tokens": 3});
    let response = mock.post_for_json("/v1/responses", &request).await;
    // The same conversation as chat, so the same words.
    let chat = json!({"messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}
    ], "max_tokens": 3});
    let completion = mock.post_for_json("/v1/chat/completions", &chat).await;
    assert_eq!(
        response["output"][0]["content"][0]["text"],
        completion["choices"][0]["message"]["content"]
    );
    assert_eq!(response["usage"]["input_tokens"], completion["usage"]["prompt_tokens"]);
    assert_eq!(response["status"], "incomplete");
    let entries = mock.wait_for("/v1/responses", 1).await;
    assert_eq!(entries.requests[0].summary, "response with 3 tokens");
    assert_eq!(mock.last().await.summary, "chat completion with 3 tokens");
}
