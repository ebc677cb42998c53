//! The benchmark's ceiling: the cheapest axum server that gives mock-vllm's embeddings answer.
//!
//! Same request parsing, same vector, same response type and allocator, but no journal, no log,
//! no metrics, no auth and axum's stock serve loop. `bench/load.py` runs it beside mock-vllm so the cost of
//! what mock-vllm adds is a ratio of one run, not a guess.
//!
//!     cargo run --release -p mock-vllm --example ceiling -- 8100

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
// The ceiling is built from the mock's own parsing and answer types, which are not its API.
use mock_vllm::internals::{
    ApiError, EmbeddingData, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingValue, Usage, embed,
    parse_body, response_id, unix_now, word_count,
};

async fn embeddings(body: Bytes) -> Response {
    let request: EmbeddingRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(err) => return err.into_response(),
    };
    let Some(EmbeddingInput::Prompt(input)) = request.input else {
        return ApiError::bad_request("input is required", "input").into_response();
    };
    let texts = input.texts();
    let data = texts
        .iter()
        .enumerate()
        .map(|(index, text)| EmbeddingData {
            index,
            object: "embedding".to_owned(),
            embedding: EmbeddingValue::Float(embed(text, 10, false)),
        })
        .collect();
    let tokens = texts.iter().map(|t| word_count(t)).sum();
    axum::Json(EmbeddingResponse {
        id: response_id("embd"),
        object: "list".to_owned(),
        created: unix_now(),
        model: request.model.unwrap_or_default(),
        data,
        usage: Usage::new(tokens, 0),
    })
    .into_response()
}

// The same allocator as mock-vllm, so the ratio measures the journal and the log, not malloc.
#[path = "../src/allocator.rs"]
mod allocator;
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8100);
    let app = Router::new().route("/v1/embeddings", post(embeddings));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("ceiling listening on :{port}");
    axum::serve(listener, app).await
}
