//! Step definitions, grouped as the features are: the mock's contract, the workshop's steps,
//! the LiteLLM migration. Helpers shared by all of them live here.

pub mod migration;
pub mod mock;
pub mod response;
pub mod upstream;
pub mod workshop;

use cucumber::gherkin::Step;
use serde_json::Value;

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

/// The client's last answer as JSON.
pub fn response_json(world: &WorkshopWorld) -> Result<Value, Mismatch> {
    let exchange = world.last();
    exchange.json().ok_or_else(|| Mismatch {
        hop: hop::Hop::UpstreamToClient,
        what: "a JSON body".to_owned(),
        expected: "JSON".to_owned(),
        seen: String::from_utf8_lossy(&exchange.body).into_owned(),
        evidence: hop::exchange_evidence(exchange),
    })
}

/// The embedding at `index` of the client's last answer, as floats.
pub fn embedding(world: &WorkshopWorld, index: usize) -> Result<Vec<f64>, Mismatch> {
    let body = response_json(world)?;
    let values = body["data"][index]["embedding"].as_array().cloned().unwrap_or_default();
    let floats: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
    if floats.is_empty() || floats.len() != values.len() {
        return Err(Mismatch {
            hop: hop::Hop::UpstreamToClient,
            what: format!("data[{index}].embedding as a list of numbers"),
            expected: "numbers".to_owned(),
            seen: body["data"][index]["embedding"].to_string(),
            evidence: hop::exchange_evidence(world.last()),
        });
    }
    Ok(floats)
}
