//! Step definitions, grouped as the features are: the mock's contract, the workshop's steps,
//! the LiteLLM migration. Helpers shared by all of them live here.

pub mod api;
pub mod client;
pub mod conditions;
pub mod configured;
pub mod gateway;
pub mod migration;
pub mod mock;
pub mod response;
pub mod upstream;
pub mod workshop;

use cucumber::gherkin::Step;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::hop::{self, Mismatch};
use crate::world::WorkshopWorld;

/// A step that could not do its part: what it was doing and why, as one message (the error's
/// own words, not a panic with a Debug value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailed {
    pub doing: String,
    pub why: String,
}

impl StepFailed {
    pub fn new(doing: &str, why: impl std::fmt::Display) -> Self {
        StepFailed {
            doing: doing.to_owned(),
            why: why.to_string(),
        }
    }
}

impl std::fmt::Display for StepFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.doing, self.why)
    }
}

impl std::error::Error for StepFailed {}

/// `result` with its error as a [`StepFailed`] saying what the step was `doing`.
pub fn doing<T, E: std::fmt::Display>(doing: &str, result: Result<T, E>) -> Result<T, StepFailed> {
    result.map_err(|err| StepFailed::new(doing, err))
}

/// The row of a `| target | ... |` table that holds for the run's target: its own, else the
/// `default` row.
pub fn row_for_target(world: &WorkshopWorld, step: &Step) -> Vec<(String, String)> {
    let target = world.target().rows();
    let rows = table_rows(step);
    let row_of = |name: &str| {
        rows.iter()
            .find(|row| row.iter().any(|(column, value)| column == "target" && value == name))
            .cloned()
    };
    row_of(target)
        .or_else(|| row_of("default"))
        .unwrap_or_else(|| panic!("the table has no row for the {target} target and no `default` row"))
}

/// The cell of `column` in the row for the run's target, placeholders expanded.
pub fn cell_for_target(world: &WorkshopWorld, step: &Step, column: &str) -> String {
    row_for_target(world, step)
        .into_iter()
        .find(|(name, _)| name == column)
        .map(|(_, value)| world.expand(&value))
        .unwrap_or_else(|| panic!("the table has no `{column}` column"))
}

/// A table's rows as maps from its header, header row excluded.
pub fn table_rows(step: &Step) -> Vec<Vec<(String, String)>> {
    let table = step.table.as_ref().expect("the step has a table");
    let header = &table.rows[0];
    table.rows[1..]
        .iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

/// An embeddings answer as any OpenAI-compatible server or gateway sends it: the fields the
/// workshop reads, the rest ignored (vLLM adds `id` and `created`, LiteLLM does not).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EmbeddingList {
    pub object: String,
    pub model: String,
    pub data: Vec<EmbeddingItem>,
    pub usage: UsageCounts,
}

/// A vector as JSON numbers, or as base64 of its bytes in the requested dtype and byte order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingValue {
    Float(Vec<f64>),
    Base64(String),
}

/// vLLM's error body, `{"error": {"message", "type", "param", "code"}}`, read as the suite
/// reads vLLM's: its own type, so the suite holds the mock to vLLM's shape, not to itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorInfo {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub param: Option<String>,
    pub code: u16,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EmbeddingItem {
    pub object: String,
    pub index: u64,
    pub embedding: EmbeddingValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct UsageCounts {
    pub prompt_tokens: u64,
    pub total_tokens: u64,
}

impl EmbeddingItem {
    /// The values, when they came as JSON numbers.
    pub fn floats(&self) -> Option<&[f64]> {
        match &self.embedding {
            EmbeddingValue::Float(values) => Some(values),
            EmbeddingValue::Base64(_) => None,
        }
    }
}

/// The client's last answer read as `T`, or the mismatch that says why it is not one.
pub fn answer<T: DeserializeOwned>(world: &WorkshopWorld, what: &str) -> Result<T, Mismatch> {
    let exchange = world.last();
    serde_json::from_slice(&exchange.body).map_err(|err| Mismatch {
        hop: hop::Hop::UpstreamToClient,
        what: what.to_owned(),
        expected: what.to_owned(),
        seen: format!("{err}: {}", String::from_utf8_lossy(&exchange.body)),
        evidence: hop::exchange_evidence(exchange),
    })
}

/// The embedding at `index` of the client's last answer, as numbers.
pub fn embedding(world: &WorkshopWorld, index: usize) -> Result<Vec<f64>, Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let floats = list
        .data
        .get(index)
        .and_then(EmbeddingItem::floats)
        .map(<[f64]>::to_vec);
    floats.ok_or_else(|| Mismatch {
        hop: hop::Hop::UpstreamToClient,
        what: format!("data[{index}].embedding as numbers"),
        expected: "a list of numbers".to_owned(),
        seen: format!("{:?}", list.data.get(index).map(|item| &item.embedding)),
        evidence: hop::exchange_evidence(world.last()),
    })
}
