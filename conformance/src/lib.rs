//! The workshop *Self-Hosted vLLM Embeddings with Agent Gateway* as a conformance suite.
//!
//! Gherkin scenarios in `features/` walk the workshop's steps against a target (the mock
//! alone, LiteLLM, agentgateway, a Kubernetes cluster) and assert at each hop what the client
//! sent, what the upstream vLLM server saw (from mock-vllm's journal), and what came back.
//! `tests/conformance.rs` runs them once per available target.

pub mod catalog;
pub mod client;
pub mod conformance_report;
pub mod expectation;
pub mod hop;
pub mod matrix;
pub mod poll;
pub mod report;
pub mod resources;
pub mod runner;
pub mod sdk;
pub mod settings;
pub mod spread;
pub mod steps;
pub mod targets;
pub mod upstream;
pub mod verdicts;
pub mod workshop;
pub mod world;

pub use world::WorkshopWorld;
