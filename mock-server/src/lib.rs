//! mock-vllm: a stand-in for `vllm serve` that records every request.
//!
//! It answers vLLM's OpenAI-compatible routes with deterministic values (embeddings from
//! sha256 of the input, as the workshop's Python mock computes them), prints the workshop's
//! `=== REQUEST ===` block per request, and keeps a request journal that tests query over
//! `/_mock/requests` or, in process, through [`MockServer::journal`].
//!
//! The public surface is what a test or an embedding program needs: the server
//! ([`MockServer`], [`serve`]) and its [`Config`], the journal's types ([`journal`]), the
//! admin API's rules, config and client ([`admin`]), and the embedding formula
//! ([`expected_embedding`]). Everything else is the server's own.

pub mod admin;
mod auth;
mod conditions;
pub mod config;
mod connection;
mod delivery;
mod embedding;
mod encoding;
// The fuzz target's input format and invariant, for `fuzz/` (a crate of its own) and
// `tests/fuzz.rs`, which replays its corpus: not an API.
#[doc(hidden)]
pub mod fuzzing;
mod generation;
pub mod journal;
mod log;
mod metrics;
// vLLM's request and answer shapes. Its request types declare every field vLLM's pydantic
// models accept, so a body parses (and is refused) as vLLM parses it; a field the mock never
// reads says so where it is declared.
mod openai;
mod outcome;
mod pending;
mod record;
mod routes;
mod server;
mod state;
mod tokenizer;

pub use config::{Config, WORKSHOP_MODEL};
pub use embedding::{WORKSHOP_DIMENSIONS, expected_embedding};
pub use journal::{Filter, RecordedRequest, RequestList};
pub use server::{MockServer, serve};
pub use state::{AppState, StartError};
pub use tokenizer::LoadError as TokenizerError;

/// What the mock's own benchmarks and tests of its internals reach, and nothing else should:
/// not an API, changed without notice. `benches/mock.rs` times the embedding, the journal and
/// the serialisation of an answer, and `examples/ceiling.rs` builds the same answer without
/// the rest of the mock; `tests/fuzz.rs` and `fuzz/` drive the router in process; `tests/vllm_checks.rs` decodes binary
/// embeddings with the decoder the encoder is tested against.
#[doc(hidden)]
pub mod internals {
    pub use crate::embedding::{embed, to_le_f32_bytes};
    pub use crate::encoding::from_bytes;
    pub use crate::journal::sink::LineSink;
    pub use crate::log::{LogOptions, subscriber};
    pub use crate::openai::embeddings::{
        BytesMetadata, EmbedDType, EmbeddingData, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingValue,
        Endianness,
    };
    pub use crate::openai::usage::Usage;
    pub use crate::openai::{ApiError, parse_body, response_id, unix_now};
    pub use crate::routes::router;
    pub use crate::tokenizer::word_count;
}
