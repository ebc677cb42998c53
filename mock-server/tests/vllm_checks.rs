//! vLLM's own API tests, re-stated as black-box checks against the mock.
//!
//! Each test names the vLLM test it restates (`tests/entrypoints/pooling/embed/test_online.py`,
//! `.../openai/completion/test_completion.py` and the protocol and serving files beside them).
//! Assertions on a real model's numbers are left out; shapes, counts, statuses and messages
//! are kept. The one documented exception: vLLM normalises embeddings by default, the mock
//! only with `--normalize` (the workshop's published numbers are raw).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use mock_vllm::config::Runner;
use mock_vllm::internals::{BytesMetadata, EmbedDType, Endianness, from_bytes};
use serde_json::{Value, json};

/// vLLM's test model, served as its fixture serves it: a pooling runner, 512 tokens.
const MODEL_NAME: &str = "intfloat/multilingual-e5-small";
const INPUT_TEXT: &str = "The best thing about vLLM is that it supports many different models";
const DIMENSIONS: usize = 384;

async fn pooling_server() -> Mock {
    Mock::with(|c| {
        c.model_tag = Some(MODEL_NAME.to_owned());
        c.runner = Runner::Pooling;
        c.max_model_len = 512;
        c.embedding_dimensions = DIMENSIONS;
    })
    .await
}

fn embeddings(body: &Value) -> Vec<Vec<f64>> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| floats(&d["embedding"]))
        .collect()
}

async fn token_count(mock: &Mock, text: &str) -> usize {
    let body = mock
        .post_for_json("/tokenize", &json!({"model": MODEL_NAME, "prompt": text}))
        .await;
    body["count"].as_u64().unwrap() as usize
}

async fn post(mock: &Mock, path: &str, body: Value) -> (u16, Value) {
    let response = mock.post_json(path, &body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn assert_close(a: &[Vec<f64>], b: &[Vec<f64>], tolerance: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len());
        for (p, q) in x.iter().zip(y) {
            assert!((p - q).abs() <= tolerance, "{p} vs {q}");
        }
    }
}

// test_online.py::test_basic
#[tokio::test]
async fn test_basic() {
    let mock = pooling_server().await;
    let models = mock.get("/v1/models").await.json::<Value>().await.unwrap();
    assert_eq!(models["data"][0]["id"], MODEL_NAME);
    let body = mock
        .post_for_json("/tokenize", &json!({"model": MODEL_NAME, "prompt": INPUT_TEXT}))
        .await;
    assert_eq!(body["count"], 12);
    assert_eq!(body["tokens"].as_array().unwrap().len(), 12);
    assert_eq!(body["max_model_len"], 512);
}

// test_online.py::test_completion_request
#[tokio::test]
async fn test_completion_request() {
    let mock = pooling_server().await;
    let tokens = token_count(&mock, INPUT_TEXT).await;
    let (status, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": INPUT_TEXT, "encoding_format": "float"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["id"].as_str().unwrap().starts_with("embd-"));
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["embedding"].as_array().unwrap().len(), DIMENSIONS);
    assert_eq!(body["usage"]["completion_tokens"], 0);
    assert_eq!(body["usage"]["prompt_tokens"], tokens);
    assert_eq!(body["usage"]["total_tokens"], tokens);

    let input_tokens: Vec<u32> = (0..17).collect();
    let (_, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": input_tokens}),
    )
    .await;
    assert_eq!(body["usage"]["prompt_tokens"], 17);
    assert_eq!(body["data"][0]["embedding"].as_array().unwrap().len(), DIMENSIONS);
}

// test_online.py::test_completion_request_batched
#[tokio::test]
async fn test_completion_request_batched() {
    let mock = pooling_server().await;
    let tokens = token_count(&mock, INPUT_TEXT).await;
    let (_, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": vec![INPUT_TEXT; 10]}),
    )
    .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 10);
    assert_eq!(body["usage"]["prompt_tokens"], tokens * 10);
    let batches: Vec<Vec<u32>> = vec![(0..17).collect(); 10];
    let (_, body) = post(&mock, "/v1/embeddings", json!({"model": MODEL_NAME, "input": batches})).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 10);
    assert_eq!(body["usage"]["total_tokens"], 170);
}

// test_online.py::test_truncate_prompt_tokens
#[tokio::test]
async fn test_truncate_prompt_tokens() {
    let mock = pooling_server().await;
    let text = "Como o Brasil pode fomentar o desenvolvimento de modelos de IA?";
    let (_, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": [text], "truncate_prompt_tokens": 10}),
    )
    .await;
    assert_eq!(body["usage"]["prompt_tokens"], 10);
    assert_eq!(body["usage"]["total_tokens"], 10);
    let ids: Vec<u32> = (1..=21).collect();
    let (_, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": ids, "truncate_prompt_tokens": 10}),
    )
    .await;
    assert_eq!(body["usage"]["prompt_tokens"], 10);
    // The cut input is embedded, not the whole one.
    let (_, whole) = post(&mock, "/v1/embeddings", json!({"model": MODEL_NAME, "input": [text]})).await;
    let (_, cut) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": [text], "truncate_prompt_tokens": 10}),
    )
    .await;
    assert_ne!(embeddings(&whole), embeddings(&cut));
    // -1 is the model's length: nothing to cut here.
    let (_, all) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": [text], "truncate_prompt_tokens": -1}),
    )
    .await;
    assert_eq!(embeddings(&whole), embeddings(&all));

    let (status, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": [text], "truncate_prompt_tokens": 8193}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert_eq!(
        message,
        "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size."
    );
    let (status, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": [text], "truncate_prompt_tokens": -2}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "Bad Request");
    assert!(message.contains("greater_than_equal"), "{message}");
}

// The renderer's length check (vllm/renderers/params.py).
#[tokio::test]
async fn an_input_longer_than_max_model_len_is_400() {
    let mock = pooling_server().await;
    let long = vec!["word"; 513].join(" ");
    let (status, body) = post(&mock, "/v1/embeddings", json!({"input": long})).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(
        message.starts_with(
            "This model's maximum context length is 512 tokens. However, your prompt contains at least 513 input tokens"
        ),
        "{message}"
    );
    assert_eq!(body["error"]["param"], "input_tokens");
    let (status, _) = post(
        &mock,
        "/v1/embeddings",
        json!({"input": long, "truncate_prompt_tokens": 512}),
    )
    .await;
    assert_eq!(status, 200, "a truncated input fits");
}

// test_online.py::test_chat_request
#[tokio::test]
async fn test_chat_request() {
    let mock = pooling_server().await;
    let messages = json!([
        {"role": "user", "content": "The cat sat on the mat."},
        {"role": "assistant", "content": "A feline was resting on a rug."},
        {"role": "user", "content": "Stars twinkle brightly in the night sky."}
    ]);
    let (status, chat) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "messages": messages, "encoding_format": "float"}),
    )
    .await;
    assert_eq!(status, 200);
    // The mock's stand-in for a chat template, as the README documents it.
    let rendered = "user: The cat sat on the mat.assistant: A feline was resting on a rug.user: Stars twinkle brightly in the night sky.";
    let (_, completion) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": rendered, "add_special_tokens": false}),
    )
    .await;
    assert_eq!(embeddings(&chat), embeddings(&completion));
    for field in ["object", "model", "usage"] {
        assert_eq!(chat[field], completion[field], "{field}");
    }
    assert!(chat["created"].as_u64() <= completion["created"].as_u64());

    let tokens = chat["usage"]["prompt_tokens"].as_u64().unwrap();
    // `assistant:` runs into the last word, as the template renders it, so the word count
    // stays; the vector does not.
    for (flag, expected) in [
        ("add_generation_prompt", tokens),
        ("continue_final_message", tokens),
        ("add_special_tokens", tokens),
    ] {
        let (status, body) = post(
            &mock,
            "/v1/embeddings",
            json!({"model": MODEL_NAME, "messages": messages, flag: true}),
        )
        .await;
        assert_eq!(status, 200, "{flag}");
        assert_eq!(body["object"], "list");
        assert_eq!(body["model"], MODEL_NAME);
        assert_eq!(body["usage"]["prompt_tokens"], expected, "{flag}");
    }
    let (status, body) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "messages": messages, "continue_final_message": true, "add_generation_prompt": true}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(message.contains("Cannot set both `continue_final_message` and `add_generation_prompt` to True."));
}

// test_online.py::test_invocations_completion_request and ::test_invocations_chat_request
#[tokio::test]
async fn test_invocations() {
    let mock = pooling_server().await;
    let messages = json!([{"role": "user", "content": "The cat sat on the mat."}]);
    for request in [
        json!({"model": MODEL_NAME, "input": INPUT_TEXT, "encoding_format": "float"}),
        json!({"model": MODEL_NAME, "messages": messages, "encoding_format": "float"}),
    ] {
        let (_, direct) = post(&mock, "/v1/embeddings", request.clone()).await;
        let (status, invoked) = post(&mock, "/invocations", request).await;
        assert_eq!(status, 200);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&direct), keys(&invoked));
        assert_eq!(keys(&direct["data"][0]), keys(&invoked["data"][0]));
        assert_eq!(embeddings(&direct), embeddings(&invoked));
    }
    // A body no request type takes, with the types vLLM tried, named as Python prints them.
    let (status, body) = post(&mock, "/invocations", json!({"nothing": "here"})).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    let expected = "Cannot find suitable handler for request. Expected one of: \
        ['typing.Annotated[vllm.entrypoints.pooling.embed.protocol.EmbeddingCompletionRequest | ";
    assert!(message.starts_with(expected), "{message}");
    for other in [
        "'RerankRequest'",
        "'vllm.entrypoints.pooling.scoring.protocol.ScoreQueriesDocumentsRequest | ",
        "'typing.Annotated[vllm.entrypoints.pooling.pooling.protocol.PoolingCompletionRequest | ",
    ] {
        assert!(message.contains(other), "{other} in {message}");
    }
}

// test_online.py::test_base64_embedding
#[tokio::test]
async fn test_base64_embedding() {
    let mock = pooling_server().await;
    let input = json!(["Hello my name is", INPUT_TEXT]);
    let (_, float) = post(
        &mock,
        "/v1/embeddings",
        json!({"input": input, "encoding_format": "float"}),
    )
    .await;
    let (_, base64) = post(
        &mock,
        "/v1/embeddings",
        json!({"input": input, "encoding_format": "base64"}),
    )
    .await;
    let decoded: Vec<Vec<f64>> = base64["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let bytes = BASE64.decode(d["embedding"].as_str().unwrap()).unwrap();
            from_bytes(&bytes, EmbedDType::Float32, Endianness::Little)
                .into_iter()
                .map(f64::from)
                .collect()
        })
        .collect();
    assert_close(&embeddings(&float), &decoded, 1e-7);
}

/// What each dtype keeps of a value in [-0.5, 0.5].
fn tolerance(dtype: EmbedDType) -> f64 {
    match dtype {
        EmbedDType::Float32 => 1e-7,
        EmbedDType::Float16 | EmbedDType::Bfloat16 => 1e-2,
        EmbedDType::Fp8E4m3 | EmbedDType::Fp8E5m2 => 0.04,
    }
}

// test_online.py::test_base64_embed_dtype_and_endianness
#[tokio::test]
async fn test_base64_embed_dtype_and_endianness() {
    let mock = pooling_server().await;
    let input = vec![INPUT_TEXT; 3];
    let (_, float) = post(
        &mock,
        "/v1/embeddings",
        json!({"input": input, "encoding_format": "float"}),
    )
    .await;
    for &dtype in EmbedDType::ALL {
        for &endianness in Endianness::ALL {
            let request =
                json!({"input": input, "encoding_format": "base64", "embed_dtype": dtype, "endianness": endianness});
            let (status, body) = post(&mock, "/v1/embeddings", request).await;
            assert_eq!(status, 200);
            let decoded: Vec<Vec<f64>> = body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    let bytes = BASE64.decode(d["embedding"].as_str().unwrap()).unwrap();
                    from_bytes(&bytes, dtype, endianness)
                        .into_iter()
                        .map(f64::from)
                        .collect()
                })
                .collect();
            assert_close(&embeddings(&float), &decoded, tolerance(dtype));
        }
    }
}

// test_online.py::test_bytes_embed_dtype_and_endianness and ::test_bytes_only_embed_dtype_and_endianness
#[tokio::test]
async fn test_bytes_and_bytes_only_embed_dtype_and_endianness() {
    let mock = pooling_server().await;
    let input = vec![INPUT_TEXT; 3];
    let (_, float) = post(
        &mock,
        "/v1/embeddings",
        json!({"model": MODEL_NAME, "input": input, "encoding_format": "float"}),
    )
    .await;
    for &dtype in EmbedDType::ALL {
        for &endianness in Endianness::ALL {
            let request = json!({"model": MODEL_NAME, "input": input, "encoding_format": "bytes", "embed_dtype": dtype, "endianness": endianness});
            let response = mock.post_json("/v1/embeddings", &request).await;
            assert_eq!(response.headers()["content-type"], "application/octet-stream");
            let metadata: BytesMetadata =
                serde_json::from_str(response.headers()["metadata"].to_str().unwrap()).unwrap();
            let body = response.bytes().await.unwrap();
            assert_eq!(
                (metadata.model.as_str(), metadata.usage.prompt_tokens),
                (MODEL_NAME, 36)
            );
            assert!(metadata.id.starts_with("embd-"));
            let decoded: Vec<Vec<f64>> = metadata
                .data
                .iter()
                .map(|item| {
                    assert_eq!(
                        (item.embed_dtype, item.endianness, item.shape.as_slice()),
                        (dtype, endianness, &[DIMENSIONS][..])
                    );
                    from_bytes(&body[item.start..item.end], item.embed_dtype, item.endianness)
                        .into_iter()
                        .map(f64::from)
                        .collect()
                })
                .collect();
            assert_close(&embeddings(&float), &decoded, tolerance(dtype));

            // bytes_only: the same body, no metadata; the client knows the layout.
            let request = json!({"model": MODEL_NAME, "input": input, "encoding_format": "bytes_only", "embed_dtype": dtype, "endianness": endianness});
            let response = mock.post_json("/v1/embeddings", &request).await;
            assert!(response.headers().get("metadata").is_none());
            assert_eq!(response.bytes().await.unwrap(), body);
        }
    }
}

// test_online.py::test_params_not_supported
#[tokio::test]
async fn test_params_not_supported() {
    let mock = pooling_server().await;
    for param in ["encoding_format", "embed_dtype", "endianness"] {
        let mut request = json!({"model": MODEL_NAME, "input": INPUT_TEXT, "encoding_format": "base64"});
        request[param] = json!(format!("bad_{param}"));
        let (status, body) = post(&mock, "/v1/embeddings", request).await;
        assert_eq!(status, 400);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("literal_error"), "{message}");
        assert!(message.contains(&format!("bad_{param}")), "{message}");
    }
}

// test_online.py::test_use_activation, with the mock's documented default.
#[tokio::test]
async fn test_use_activation() {
    let mock = pooling_server().await;
    let outputs = |use_activation: Value| {
        let mock = &mock;
        async move {
            let (_, body) = post(
                mock,
                "/v1/embeddings",
                json!({"input": INPUT_TEXT, "encoding_format": "float", "use_activation": use_activation}),
            )
            .await;
            embeddings(&body)
        }
    };
    let default = outputs(Value::Null).await;
    let with = outputs(json!(true)).await;
    let without = outputs(json!(false)).await;
    assert_ne!(with, without);
    let norm: f64 = without[0].iter().map(|v| v * v).sum::<f64>().sqrt();
    let normalised: Vec<Vec<f64>> = vec![without[0].iter().map(|v| v / norm).collect()];
    assert_close(&with, &normalised, 1e-12);
    // The exception: vLLM's default is `with`; the mock's is `without` unless --normalize.
    assert_eq!(default, without);
    let normalizing = Mock::with(|c| c.normalize = true).await;
    let (_, body) = post(
        &normalizing,
        "/v1/embeddings",
        json!({"input": INPUT_TEXT, "dimensions": DIMENSIONS}),
    )
    .await;
    assert_close(&embeddings(&body), &with, 1e-12);
    // And the newest vLLM refuses the old switch by name.
    let (status, body) = post(&mock, "/v1/embeddings", json!({"input": INPUT_TEXT, "normalize": true})).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(
        message.contains("Parameter `normalize` was removed; use `use_activation` instead."),
        "{message}"
    );
    assert_eq!(body["error"]["param"], "normalize");
}

// test_online.py::test_pooling_embed and ::test_pooling_token_embed
#[tokio::test]
async fn test_pooling_embed_and_token_embed() {
    let mock = pooling_server().await;
    let input = ["The chef prepared a delicious meal."];
    let (status, body) = post(
        &mock,
        "/pooling",
        json!({"model": MODEL_NAME, "input": input, "encoding_format": "float", "task": "embed"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["id"].as_str().unwrap().starts_with("pooling-"));
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["object"], "pooling");
    assert_eq!(body["data"][0]["data"].as_array().unwrap().len(), DIMENSIONS);
    // The same vector /v1/embeddings gives.
    let (_, embedded) = post(&mock, "/v1/embeddings", json!({"input": input})).await;
    assert_eq!(floats(&body["data"][0]["data"]), embeddings(&embedded)[0]);

    // An embed pooler refuses the other task; a model run with `--pooling-task token_embed`
    // (vLLM's `--pooler-config.task`) serves it.
    let (status, body) = post(
        &mock,
        "/pooling",
        json!({"model": MODEL_NAME, "input": input, "task": "token_embed"}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert_eq!(
        message,
        "Try switching the model's pooling_task via --pooler-config.task token_embed. (parameter=task)"
    );
    let per_token_model = Mock::with(|c| {
        c.model_tag = Some(MODEL_NAME.to_owned());
        c.runner = Runner::Pooling;
        c.embedding_dimensions = DIMENSIONS;
        c.pooling_task = mock_vllm::config::PoolerTask::TokenEmbed;
    })
    .await;
    let (_, body) = post(
        &per_token_model,
        "/pooling",
        json!({"model": MODEL_NAME, "input": input}),
    )
    .await;
    let per_token = body["data"][0]["data"].as_array().unwrap();
    assert_eq!(per_token.len(), 6, "one vector per token");
    assert_eq!(per_token[0].as_array().unwrap().len(), DIMENSIONS);
    assert_eq!(body["usage"]["prompt_tokens"], 6);
}

// test_online.py::test_pooling_not_supported
#[tokio::test]
async fn test_pooling_not_supported() {
    let mock = pooling_server().await;
    for task in ["classify", "token_classify"] {
        let (status, body) = post(
            &mock,
            "/pooling",
            json!({"model": MODEL_NAME, "input": "test", "encoding_format": "float", "task": task}),
        )
        .await;
        let message = assert_vllm_error(status, &body, 400, "BadRequestError");
        assert!(message.starts_with(&format!("Unsupported task: '{task}'")), "{message}");
    }
    // A plugin's task, or its `data`, with no IOProcessor plugin installed.
    for body in [json!({"input": "test", "task": "plugin"}), json!({"data": "test"})] {
        let (status, body) = post(&mock, "/pooling", body).await;
        let message = assert_vllm_error(status, &body, 400, "BadRequestError");
        assert!(message.starts_with("No IOProcessor plugin installed."), "{message}");
        assert_eq!(body["error"]["param"], "task");
    }
}

// The response id as vLLM's serving layer builds it.
#[tokio::test]
async fn response_ids_carry_the_clients_request_id() {
    let mock = Mock::start().await;
    let response = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .header("x-request-id", "trace-42")
        .json(&workshop_request())
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["id"], "embd-trace-42");
    // Anthropic's Messages API answers with its chat completion's id (vLLM 0.33.0).
    let message = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2});
    let response = mock
        .http
        .post(mock.url("/v1/messages"))
        .header("x-request-id", "trace-43")
        .json(&message)
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["id"], "chatcmpl-trace-43");
    let chat = json!({"messages": [{"role": "user", "content": "hi"}], "request_id": "from-body"});
    assert_eq!(
        mock.post_for_json("/v1/chat/completions", &chat).await["id"],
        "chatcmpl-from-body"
    );
    let (_, body) = mock.embed(json!({"input": "x", "request_id": "ignored"})).await;
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with("embd-") && id.len() == 5 + 16 && id[5..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}: embeddings take only the header, else vLLM's random_uuid (16 hex digits)"
    );
}

// /score and /rerank for an embedding model (tests/entrypoints/pooling/score).
#[tokio::test]
async fn score_pairs_one_to_one_one_to_n_and_n_to_n() {
    let mock = pooling_server().await;
    let (status, body) = post(&mock, "/score", json!({"model": MODEL_NAME, "queries": "What is the capital of France?", "documents": ["Paris is the capital.", "The sky is blue."]})).await;
    assert_eq!(status, 200);
    assert!(body["id"].as_str().unwrap().starts_with("score-"));
    assert_eq!(body["object"], "list");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(
        (data[1]["index"].as_u64(), data[1]["object"].as_str()),
        (Some(1), Some("score"))
    );
    assert!(
        data.iter()
            .all(|d| d["score"].as_f64().is_some_and(|s| (-1.0..=1.0).contains(&s)))
    );
    // vLLM embeds each text once, the 1:N query too: 6 + 4 + 4.
    assert_eq!(body["usage"]["prompt_tokens"], 14);
    // The same pairs under vLLM's other names, and at /v1/score.
    let (_, again) = post(
        &mock,
        "/v1/score",
        json!({"text_1": "What is the capital of France?", "text_2": ["Paris is the capital.", "The sky is blue."]}),
    )
    .await;
    assert_eq!(again["data"], body["data"]);
    let (_, n_to_n) = post(&mock, "/score", json!({"data_1": ["a", "b"], "data_2": ["c", "d"]})).await;
    assert_eq!(n_to_n["data"].as_array().unwrap().len(), 2);

    let (status, body) = post(
        &mock,
        "/score",
        json!({"queries": ["a", "b"], "documents": ["c", "d", "e"]}),
    )
    .await;
    assert_eq!(
        assert_vllm_error(status, &body, 400, "BadRequestError"),
        "Input lengths must be either 1:1, 1:N or N:N"
    );
    let (status, body) = post(&mock, "/score", json!({"queries": "a", "documents": []})).await;
    assert_eq!(
        assert_vllm_error(status, &body, 400, "BadRequestError"),
        "At least one text_pair element must be given"
    );
}

#[tokio::test]
async fn rerank_sorts_best_first_and_keeps_top_n() {
    let mock = pooling_server().await;
    let documents = [
        "Paris is the capital.",
        "The sky is blue.",
        "Bread is baked.",
        "France is in Europe.",
    ];
    for path in ["/rerank", "/v1/rerank", "/v2/rerank"] {
        let (status, body) = post(
            &mock,
            path,
            json!({"model": MODEL_NAME, "query": "capital of France", "documents": documents}),
        )
        .await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body["model"], MODEL_NAME);
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let scores: Vec<f64> = results.iter().map(|r| r["relevance_score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{path}: {scores:?}");
        for result in results {
            let index = result["index"].as_u64().unwrap() as usize;
            assert_eq!(
                result["document"],
                json!({"text": documents[index], "multi_modal": null})
            );
        }
        assert_eq!(body["usage"]["prompt_tokens"], body["usage"]["total_tokens"]);
    }
    let (_, top) = post(
        &mock,
        "/rerank",
        json!({"query": "capital of France", "documents": documents, "top_n": 2}),
    )
    .await;
    let (_, all) = post(
        &mock,
        "/rerank",
        json!({"query": "capital of France", "documents": documents}),
    )
    .await;
    assert_eq!(
        top["results"].as_array().unwrap()[..],
        all["results"].as_array().unwrap()[..2]
    );
    let (status, body) = post(
        &mock,
        "/rerank",
        json!({"query": "q", "documents": documents, "top_n": -1}),
    )
    .await;
    assert!(assert_vllm_error(status, &body, 400, "Bad Request").contains("greater_than_equal"));
}

// tests/entrypoints/openai/test_tokenization.py, the round trip.
#[tokio::test]
async fn tokenize_and_detokenize_round_trip() {
    let mock = Mock::start().await;
    let body = mock
        .post_for_json(
            "/tokenize",
            &json!({"prompt": "hello   wide world", "return_token_strs": true}),
        )
        .await;
    assert_eq!(body["count"], 3);
    assert_eq!(body["token_strs"], json!(["hello", "wide", "world"]));
    let back = mock
        .post_for_json("/detokenize", &json!({"tokens": body["tokens"]}))
        .await;
    assert_eq!(back, json!({"prompt": "hello wide world"}));
    // Usage and /tokenize count alike.
    let (_, embedded) = mock.embed(json!({"input": "hello   wide world"})).await;
    assert_eq!(embedded["usage"]["prompt_tokens"], body["count"]);
    let plain = mock.post_for_json("/tokenize", &json!({"prompt": "hello"})).await;
    assert_eq!(plain["token_strs"], Value::Null);
    // A conversation gets vLLM's generation prompt by default.
    let chat = mock
        .post_for_json("/tokenize", &json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(chat["count"], 2, "user: hiassistant:");
    // An id never handed out is skipped, as vLLM's decode skips ids it does not know.
    let partial = mock
        .post_for_json("/detokenize", &json!({"tokens": [body["tokens"][0], 7]}))
        .await;
    assert_eq!(partial, json!({"prompt": "hello"}));
    let (status, body) = post(&mock, "/detokenize", json!({"tokens": [-1]})).await;
    assert!(assert_vllm_error(status, &body, 400, "Bad Request").contains("greater_than_equal"));
}

// vLLM registers a route family only for a model that serves it.
#[tokio::test]
async fn the_runner_decides_the_routes() {
    let pooling = pooling_server().await;
    let response = pooling
        .post_json(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
    let generate = Mock::with(|c| c.runner = Runner::Generate).await;
    let response = generate.post_json("/v1/embeddings", &workshop_request()).await;
    assert_eq!(response.status(), 404);
    let response = generate
        .post_json(
            "/invocations",
            &json!({"messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(response.json::<Value>().await.unwrap()["object"], "chat.completion");
}

#[tokio::test]
async fn load_counts_requests_with_the_model() {
    let mock = Mock::with(|c| c.conditions.time_to_first_token = "300ms".parse().unwrap()).await;
    let load = || async { mock.get("/load").await.json::<Value>().await.unwrap() };
    assert_eq!(load().await, json!({"server_load": 0}));
    let in_flight = tokio::spawn(
        mock.http
            .post(mock.url("/v1/embeddings"))
            .json(&workshop_request())
            .send(),
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(load().await, json!({"server_load": 1}));
    assert_eq!(in_flight.await.unwrap().unwrap().status(), 200);
    assert_eq!(load().await, json!({"server_load": 0}));
}

// tests/entrypoints/openai/completion/test_completion.py: n, echo, and benchmark lengths.
#[tokio::test]
async fn completions_take_n_echo_min_tokens_and_ignore_eos() {
    let mock = Mock::start().await;
    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": ["one", "two"], "n": 2, "max_tokens": 5}),
        )
        .await;
    let choices = body["choices"].as_array().unwrap();
    assert_eq!(
        choices.iter().map(|c| c["index"].as_u64().unwrap()).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_ne!(
        choices[0]["text"], choices[1]["text"],
        "two samples of one prompt differ"
    );
    assert_eq!(body["usage"]["prompt_tokens"], 2);

    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": "Hello, my name is", "echo": true, "max_tokens": 3}),
        )
        .await;
    assert!(
        body["choices"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Hello, my name is")
    );

    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": "x", "max_tokens": 100, "ignore_eos": true}),
        )
        .await;
    assert_eq!(
        (
            body["usage"]["completion_tokens"].as_u64(),
            body["choices"][0]["finish_reason"].as_str()
        ),
        (Some(100), Some("length"))
    );
    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": "x", "max_tokens": 100, "min_tokens": 50}),
        )
        .await;
    assert_eq!(body["usage"]["completion_tokens"], 50);
    let (status, body) = post(
        &mock,
        "/v1/completions",
        json!({"prompt": "x", "max_tokens": 5, "min_tokens": 6}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert_eq!(message, "min_tokens must be less than or equal to max_tokens=5, got 6.");

    // pydantic takes a whole-number float for an integer, not a fraction.
    let body = mock
        .post_for_json(
            "/v1/completions",
            &json!({"prompt": "x", "max_tokens": 5.0, "ignore_eos": true}),
        )
        .await;
    assert_eq!(body["usage"]["completion_tokens"], 5);
    let (status, body) = post(&mock, "/v1/completions", json!({"prompt": "x", "max_tokens": 5.5})).await;
    assert!(assert_vllm_error(status, &body, 400, "Bad Request").contains("int_from_float"));
}

#[tokio::test]
async fn chat_takes_n_choices() {
    let mock = Mock::start().await;
    let body = mock
        .post_for_json(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": "hi"}], "n": 3}),
        )
        .await;
    let choices = body["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 3);
    let total: u64 = choices
        .iter()
        .map(|c| c["message"]["content"].as_str().unwrap().split(' ').count() as u64)
        .sum();
    assert_eq!(body["usage"]["completion_tokens"], total);
}

/// The `data:` events of an SSE body, parsed.
fn events(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

// vLLM's stream_options: include_usage defaults on once given; continuous usage on every chunk.
#[tokio::test]
async fn stream_options_as_vllm_reads_them() {
    let mock = Mock::start().await;
    let stream = |options: Value| json!({"messages": [{"role": "user", "content": "hi"}], "stream": true, "stream_options": options});
    let mut plain = stream(Value::Null);
    plain.as_object_mut().unwrap().remove("stream_options");
    let text = mock
        .post_json("/v1/chat/completions", &plain)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        events(&text).iter().all(|e| e.get("usage").is_none()),
        "no usage without stream_options"
    );
    // Given, even empty, include_usage is on: the usage comes last, with no choices.
    let text = mock
        .post_json("/v1/chat/completions", &stream(json!({})))
        .await
        .text()
        .await
        .unwrap();
    let given = events(&text);
    assert!(given[..given.len() - 1].iter().all(|e| e.get("usage").is_none()));
    assert_eq!(given.last().unwrap()["choices"], json!([]));
    // The rendered conversation, `user: hiassistant:`.
    assert_eq!(given.last().unwrap()["usage"]["prompt_tokens"], 2);
    let text = mock
        .post_json("/v1/chat/completions", &stream(json!({"continuous_usage_stats": true})))
        .await
        .text()
        .await
        .unwrap();
    let events = events(&text);
    assert!(
        events.iter().all(|e| e["usage"]["prompt_tokens"] == 2),
        "usage on every chunk"
    );
    let last = events.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(
        last["usage"]["completion_tokens"],
        events[events.len() - 2]["usage"]["completion_tokens"]
    );

    let (status, body) = post(
        &mock,
        "/v1/chat/completions",
        json!({"messages": [{"role": "user", "content": "hi"}], "stream_options": {"include_usage": true}}),
    )
    .await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(
        message.contains("Stream options can only be defined when `stream=True`."),
        "{message}"
    );
    assert_eq!(body["error"]["param"], "stream_options");
}
