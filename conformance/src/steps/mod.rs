//! Step definitions, grouped as the features are: the mock's contract, the workshop's steps,
//! the LiteLLM migration. Helpers shared by all of them live here.

pub mod migration;
pub mod mock;
pub mod response;
pub mod upstream;
pub mod workshop;

use cucumber::gherkin::Step;
use mock_vllm::openai::embeddings::EmbeddingValue;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::hop::{self, Mismatch};
use crate::world::WorkshopWorld;

/// The cell of a `| target | ... |` table in the row of the run's target.
pub fn cell_for_target(world: &WorkshopWorld, step: &Step, column: &str) -> String {
    let table = step.table.as_ref().expect("the step has a table");
    let header = &table.rows[0];
    let index = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("the table has no `{name}` column"))
    };
    let (target_col, value_col) = (index("target"), index(column));
    let target = world.target.name().as_str();
    table.rows[1..]
        .iter()
        .find(|row| row[target_col] == target)
        .map(|row| world.expand(&row[value_col]))
        .unwrap_or_else(|| panic!("the table has no row for the {target} target"))
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
