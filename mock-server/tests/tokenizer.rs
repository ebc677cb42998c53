//! `--tokenizer FILE`: a Hugging Face `tokenizer.json` decides counts, truncation, length
//! limits, `/tokenize` and `/detokenize`, special tokens included.

mod common;

use common::{Mock, assert_vllm_error};
use serde_json::json;

/// A BERT-shaped tokenizer small enough to read: whole words, `[CLS] ... [SEP]` around a
/// prompt, and padding and truncation set in the file (which vLLM, through transformers,
/// ignores), as all-MiniLM's `tokenizer.json` has them; `features/mock.feature` reads it too.
const TOKENIZER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../features/fixtures/tokenizer.json");

async fn mock_with_tokenizer(tweak: impl FnOnce(&mut mock_vllm::Config)) -> Mock {
    Mock::with(|config| {
        config.tokenizer = Some(TOKENIZER.into());
        tweak(config);
    })
    .await
}

#[tokio::test]
async fn tokenize_and_detokenize_are_the_tokenizers() {
    let mock = mock_with_tokenizer(|_| {}).await;
    let body = mock
        .post_for_json(
            "/tokenize",
            &json!({"prompt": "Hello wide world.", "return_token_strs": true}),
        )
        .await;
    assert_eq!(body["tokens"], json!([2, 4, 5, 6, 7, 3]));
    assert_eq!(
        body["token_strs"],
        json!(["[CLS]", "hello", "wide", "world", ".", "[SEP]"])
    );
    assert_eq!(body["count"], 6);
    let bare = mock
        .post_for_json(
            "/tokenize",
            &json!({"prompt": "hello world", "add_special_tokens": false}),
        )
        .await;
    assert_eq!(bare["tokens"], json!([4, 6]));
    // Special tokens kept; an id the tokenizer does not know skipped.
    let text = mock
        .post_for_json("/detokenize", &json!({"tokens": [2, 4, 6, 3, 999_999]}))
        .await;
    assert_eq!(text, json!({"prompt": "[CLS] hello world [SEP]"}));
}

#[tokio::test]
async fn usage_truncation_and_length_limits_count_the_tokenizers_tokens() {
    let mock = mock_with_tokenizer(|config| config.max_model_len = 5).await;
    let (status, body) = mock.embed(json!({"input": "hello wide world"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["usage"]["prompt_tokens"], 5, "[CLS] hello wide world [SEP]");
    // Truncation keeps the special tokens and the last words.
    let (_, cut) = mock
        .embed(json!({"input": "hello wide world hello", "truncate_prompt_tokens": 4}))
        .await;
    assert_eq!(cut["usage"]["prompt_tokens"], 4);
    let (status, body) = mock.embed(json!({"input": "hello wide world hello"})).await;
    let message = assert_vllm_error(status, &body, 400, "BadRequestError");
    assert!(
        message.starts_with("This model's maximum context length is 5 tokens."),
        "{message}"
    );
    // Token ids are counted as sent, and must lie within the profile's vocabulary.
    let (_, ids) = mock.embed(json!({"input": [4, 5]})).await;
    assert_eq!(ids["usage"]["prompt_tokens"], 2);
    let (status, body) = mock.embed(json!({"input": [4, 200_000]})).await;
    assert_eq!(
        assert_vllm_error(status, &body, 400, "BadRequestError"),
        "Token id 200000 is out of vocabulary"
    );
}

#[tokio::test]
async fn a_tokenizer_that_cannot_be_read_stops_the_start() {
    let mut config = mock_vllm::Config::ephemeral();
    config.tokenizer = Some("/nonexistent/tokenizer.json".into());
    let err = mock_vllm::MockServer::start(config).await.err().expect("refused");
    assert!(err.to_string().contains("/nonexistent/tokenizer.json"), "{err}");
}
