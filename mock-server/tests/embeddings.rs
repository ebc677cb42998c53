//! `POST /v1/embeddings` over real HTTP.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn workshop_request_gets_the_workshop_answer() {
    let mock = Mock::start().await;
    let (status, body) = mock.embed(workshop_request()).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "list");
    assert_eq!(body["model"], WORKSHOP_MODEL);
    assert_eq!(body["data"][0]["object"], "embedding");
    assert_eq!(body["data"][0]["index"], 0);
    assert_eq!(floats(&body["data"][0]["embedding"]), WORKSHOP_VECTOR);
    assert_eq!(body["usage"]["prompt_tokens"], 9);
    assert_eq!(body["usage"]["total_tokens"], 9);
    assert!(body["id"].as_str().unwrap().starts_with("embd-"));
}

#[tokio::test]
async fn every_list_element_is_embedded_in_order() {
    let mock = Mock::start().await;
    let (status, body) = mock.embed(json!({"input": [WORKSHOP_TEXT, "two words", "x"]})).await;
    assert_eq!(status, 200);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    for (i, item) in data.iter().enumerate() {
        assert_eq!(item["index"], i);
    }
    assert_eq!(floats(&data[0]["embedding"]), WORKSHOP_VECTOR);
    assert_ne!(data[1]["embedding"], data[2]["embedding"]);
    assert_eq!(body["usage"]["prompt_tokens"], 9 + 2 + 1);
    assert_eq!(mock.last().await.inputs, Some(3));
}

#[tokio::test]
async fn token_ids_hash_their_python_list_text() {
    let mock = Mock::start().await;
    let (_, single) = mock.embed(json!({"input": [1, 2, 3]})).await;
    let (_, text) = mock.embed(json!({"input": "[1, 2, 3]"})).await;
    assert_eq!(single["data"][0]["embedding"], text["data"][0]["embedding"]);
    assert_eq!(single["usage"]["prompt_tokens"], 3);

    let (status, batch) = mock.embed(json!({"input": [[1, 2, 3], [4]]})).await;
    assert_eq!(status, 200);
    assert_eq!(batch["data"].as_array().unwrap().len(), 2);
    assert_eq!(batch["data"][0]["embedding"], single["data"][0]["embedding"]);
    assert_eq!(batch["usage"]["prompt_tokens"], 4);
}

#[tokio::test]
async fn base64_is_little_endian_f32_of_the_same_vector() {
    let mock = Mock::start().await;
    let (status, body) = mock
        .embed(json!({"input": WORKSHOP_TEXT, "encoding_format": "base64"}))
        .await;
    assert_eq!(status, 200);
    let bytes = BASE64.decode(body["data"][0]["embedding"].as_str().unwrap()).unwrap();
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let expected: Vec<f32> = WORKSHOP_VECTOR.iter().map(|&v| v as f32).collect();
    assert_eq!(values, expected);
}

#[tokio::test]
async fn dimensions_extend_and_keep_the_first_ten() {
    let mock = Mock::start().await;
    let (status, body) = mock.embed(json!({"input": WORKSHOP_TEXT, "dimensions": 1024})).await;
    assert_eq!(status, 200);
    let values = floats(&body["data"][0]["embedding"]);
    assert_eq!(values.len(), 1024);
    assert_eq!(values[..10], WORKSHOP_VECTOR);
    assert!(mock.last().await.summary.contains("1024 dims"));

    let (_, short) = mock.embed(json!({"input": WORKSHOP_TEXT, "dimensions": 4})).await;
    assert_eq!(floats(&short["data"][0]["embedding"]), WORKSHOP_VECTOR[..4]);
}

#[tokio::test]
async fn dimensions_outside_the_range_are_refused() {
    let mock = Mock::with(|c| c.max_dimensions = 2048).await;
    for dims in [json!(0), json!(-3), json!(2049)] {
        let (status, body) = mock.embed(json!({"input": "x", "dimensions": dims})).await;
        let message = assert_vllm_error(status, &body, 400, "BadRequestError");
        assert_eq!(
            message,
            format!("Model '/apps/ecs_mounts/data/q3.6b' only supports dimensions in range [1, 2048], got {dims}.")
        );
        assert_eq!(body["error"]["param"], Value::Null);
    }
}

#[tokio::test]
async fn the_e5_profile_has_no_matryoshka_dimensions_and_no_chat_template() {
    let mock = Mock::with(|c| c.model_profile = mock_vllm::config::ModelProfile::E5).await;
    let (status, body) = mock.embed(json!({"input": "x", "dimensions": 5})).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert_eq!(
        message,
        "Model '/apps/ecs_mounts/data/q3.6b' does not support Matryoshka embeddings; dimensions must be unset (received dimensions=5)."
    );
    let chat = json!({"messages": [{"role": "user", "content": "x"}]});
    let (status, body) = mock.embed(chat).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(message.starts_with("As of transformers v4.44, default chat template is no longer allowed"));
    assert_eq!(body["error"]["param"], Value::Null);
    // A plain prompt is as on any model.
    let (status, _) = mock.embed(json!({"input": "x"})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn normalize_gives_unit_vectors() {
    let mock = Mock::with(|c| c.normalize = true).await;
    let (_, body) = mock.embed(json!({"input": WORKSHOP_TEXT})).await;
    let norm: f64 = floats(&body["data"][0]["embedding"])
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    assert!((norm - 1.0).abs() < 1e-9);
    // A request may still ask for the raw values, with vLLM's use_activation.
    let (_, raw) = mock
        .embed(json!({"input": WORKSHOP_TEXT, "use_activation": false}))
        .await;
    assert_eq!(floats(&raw["data"][0]["embedding"]), WORKSHOP_VECTOR);
}

#[tokio::test]
async fn any_model_is_accepted_without_served_names_and_answered_as_vllm_names_it() {
    let mock = Mock::start().await;
    let (status, body) = mock.embed(json!({"model": "whatever/model", "input": "x"})).await;
    assert_eq!(status, 200);
    // vLLM's answer names its own model, whatever the request said.
    assert_eq!(body["model"], WORKSHOP_MODEL);
    let recorded = mock.server.journal().last(&Default::default()).unwrap();
    assert_eq!(
        recorded.model.as_deref(),
        Some("whatever/model"),
        "the journal keeps what was asked"
    );
    let (_, body) = mock.embed(json!({"input": "x"})).await;
    assert_eq!(body["model"], WORKSHOP_MODEL);
}

#[tokio::test]
async fn unserved_model_gets_vllms_404() {
    let mock = Mock::with(|c| c.served_model_names = vec!["qwen3".into()]).await;
    let (status, body) = mock.embed(json!({"model": "qwen3", "input": "x"})).await;
    assert_eq!((status, body["model"].as_str()), (200, Some("qwen3")));
    let (status, body) = mock.embed(json!({"model": "gpt-4", "input": "x"})).await;
    let message = assert_vllm_error(status, &body, 404, "NotFoundError");
    assert_eq!(message, "The model `gpt-4` does not exist.");
    // vLLM 0.33.0 names no parameter.
    assert_eq!(body["error"]["param"], serde_json::Value::Null);
}

#[tokio::test]
async fn missing_or_empty_input_is_400() {
    let mock = Mock::start().await;
    for body in [json!({"model": "m"}), json!({"input": null})] {
        let (status, body) = mock.embed(body).await;
        let message = assert_vllm_error(status, &body, 400, "Bad Request");
        assert!(message.contains("input"), "{message}");
    }
    // vLLM 0.33.0's renderer and input processor; an empty string is a prompt to it.
    for (input, refusal) in [
        (json!([]), "You must pass at least one prompt"),
        (json!([[]]), "The decoder prompt cannot be empty"),
    ] {
        let (status, body) = mock.embed(json!({"input": input})).await;
        assert_eq!(assert_vllm_error(status, &body, 400, "BadRequestError"), refusal);
        assert_eq!(body["error"]["param"], Value::Null);
    }
    let (status, _) = mock.embed(json!({"input": ""})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_types_are_400_with_the_reason() {
    let mock = Mock::start().await;
    let cases = [
        // vLLM tries its five embeddings models and lists every one's errors (as 0.33.0 does).
        (
            json!({"input": 5}),
            "10 validation errors:\n  {'type': 'list_type', 'loc': 'body.input'",
        ),
        (
            json!({"input": [1.5]}),
            "17 validation errors:\n  {'type': 'int_from_float', 'loc': 'body.input.0'",
        ),
        (
            json!({"input": "x", "encoding_format": "int8"}),
            "'literal_error', 'loc': 'body.encoding_format'",
        ),
        (
            json!({"input": "x", "dimensions": "ten"}),
            "'int_parsing', 'loc': 'body.dimensions'",
        ),
        (json!({"input": "x", "dimensions": 5.5}), "'int_from_float'"),
        (json!({"input": "x", "model": 3}), "'string_type', 'loc': 'body.model'"),
        (json!(["not", "an", "object"]), "'model_attributes_type'"),
    ];
    for (request, reason) in cases {
        let (status, body) = mock.embed(request.clone()).await;
        let message = assert_vllm_error(status, &body, 400, "Bad Request");
        assert!(message.contains(reason), "{request}: {message}");
    }
}

#[tokio::test]
async fn other_vllm_fields_are_accepted() {
    let mock = Mock::start().await;
    let (status, _) = mock
        .embed(json!({
            "input": "x", "user": "u1", "truncate_prompt_tokens": 8, "add_special_tokens": true,
            "priority": 0, "request_id": "abc", "some_future_field": {"nested": true}
        }))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn invalid_json_and_wrong_content_type_are_400() {
    let mock = Mock::start().await;
    let response = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .header("content-type", "application/json")
        .body("{\"input\": ")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let message = assert_vllm_error(status, &response.json().await.unwrap(), 400, "Bad Request");
    assert!(message.contains("'msg': 'JSON decode error'"), "{message}");

    let response = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .header("content-type", "text/plain")
        .body(workshop_request().to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let message = assert_vllm_error(status, &response.json().await.unwrap(), 400, "Bad Request");
    assert!(message.contains("application/json"), "{message}");

    // Parameters after the media type are fine.
    let response = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .header("content-type", "application/json; charset=utf-8")
        .body(workshop_request().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn chat_messages_are_embedded_as_their_rendered_text() {
    let mock = Mock::start().await;
    let messages = json!([
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": WORKSHOP_TEXT}
    ]);
    let (status, by_messages) = mock.embed(json!({"messages": messages})).await;
    assert_eq!(status, 200, "{by_messages}");
    // The rendering the README documents: `role: content` per message, run together as the
    // oracle's chat templates render them.
    let rendered = format!("system: be briefuser: {WORKSHOP_TEXT}");
    let (_, by_text) = mock.embed(json!({"input": rendered})).await;
    assert_eq!(by_messages["data"][0]["embedding"], by_text["data"][0]["embedding"]);
    assert_eq!(
        by_messages["usage"]["prompt_tokens"], 12,
        "3 + 9 words of the rendered text (`briefuser:` is one)"
    );

    // vLLM also takes the conversation in `input`, and batches of conversations.
    let (_, in_input) = mock.embed(json!({"input": messages})).await;
    assert_eq!(in_input["data"][0]["embedding"], by_messages["data"][0]["embedding"]);
    let (_, batch) = mock
        .embed(json!({"messages": [messages, [{"role": "user", "content": "x"}]]}))
        .await;
    assert_eq!(batch["data"].as_array().unwrap().len(), 2);

    let (_, prompted) = mock
        .embed(json!({"messages": messages, "add_generation_prompt": true}))
        .await;
    assert_ne!(prompted["data"][0]["embedding"], by_messages["data"][0]["embedding"]);
}

#[tokio::test]
async fn chat_style_requests_are_refused_as_vllm_refuses_them() {
    let mock = Mock::start().await;
    let both = json!({"messages": [{"role": "user", "content": "x"}],
                      "add_generation_prompt": true, "continue_final_message": true});
    let (status, body) = mock.embed(both).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert_eq!(
        message,
        "Cannot set both `continue_final_message` and `add_generation_prompt` to True."
    );
    let (status, body) = mock.embed(json!({"messages": []})).await;
    assert_vllm_error(status, &body, 400, "BadRequestError");
    let (status, body) = mock.embed(json!({"messages": [{"content": "no role"}]})).await;
    assert_vllm_error(status, &body, 400, "Bad Request");
}
