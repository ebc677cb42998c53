//! mock-vllm: a stand-in for `vllm serve` that records every request.
//!
//! It answers vLLM's OpenAI-compatible routes with deterministic values (embeddings from
//! sha256 of the input, as the workshop's Python mock computes them), prints the workshop's
//! `=== REQUEST ===` block per request, and keeps a request journal that tests query over
//! `/_mock/requests` or, in process, through [`MockServer::journal`].

pub mod auth;
pub mod conditions;
pub mod config;
pub mod connection;
pub mod delivery;
pub mod embedding;
pub mod encoding;
#[doc(hidden)]
pub mod fuzzing;
pub mod generation;
pub mod journal;
pub mod log;
pub mod metrics;
pub mod openai;
pub mod outcome;
mod pending;
pub mod record;
mod routes;
pub mod server;
pub mod state;
pub mod tokenizer;

pub use config::{Config, WORKSHOP_MODEL};
pub use journal::{Filter, RecordedRequest, RequestList};
pub use routes::router;
pub use server::{MockServer, serve};
pub use state::{AppState, StartError};
