//! The behaviour matrix: per scenario, what each gateway did, side by side.
//!
//! A scenario's per-target tables (`expectation.rs`) say what each gateway does; the run says
//! whether it still does. The matrix is those rows, kept for the targets where the scenario
//! passed, so it is written by the features and the run together and never typed by hand.

use std::fmt::Write as _;

use crate::catalog::CatalogEntry;
use crate::report::{Report, ScenarioOutcome};

/// What `entry`'s rows say of `rows`: one phrase per table, joined.
fn described(entry: &CatalogEntry, rows: &str) -> String {
    entry
        .expectations
        .iter()
        .filter_map(|e| e.for_target(rows))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The matrix as Markdown: one table per feature with per-target rows, a column per target.
pub fn matrix(report: &Report, catalog: &[CatalogEntry]) -> String {
    let runs = &report.targets;
    let mut md = String::new();
    let mut feature = None;
    for entry in catalog.iter().filter(|e| !e.expectations.is_empty()) {
        if feature != Some(&entry.feature) {
            feature = Some(&entry.feature);
            let names: Vec<String> = runs
                .iter()
                .map(|run| match run.rows.as_str() {
                    rows if rows == run.target => format!("{} ({})", run.target, run.implementation.version),
                    rows => format!("{} as {rows} ({})", run.target, run.implementation.version),
                })
                .collect();
            let _ = writeln!(
                md,
                "\n### {} (`{}`)\n\n| scenario | {} |\n|---|{}",
                entry.feature,
                entry.file,
                names.join(" | "),
                "---|".repeat(names.len())
            );
        }
        let cells: Vec<String> = runs
            .iter()
            .map(|run| {
                let outcome = run
                    .scenarios
                    .iter()
                    .find(|s| s.feature == entry.feature && s.scenario == entry.scenario)
                    .map(|s| &s.outcome);
                match outcome {
                    Some(ScenarioOutcome::Passed) => described(entry, &run.rows),
                    Some(ScenarioOutcome::Failed) => format!("**FAILED** (its rows: {})", described(entry, &run.rows)),
                    Some(ScenarioOutcome::Skipped(_)) => "skipped".to_owned(),
                    Some(ScenarioOutcome::NotApplicable(_)) | None => "-".to_owned(),
                }
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |", entry.scenario, cells.join(" | ").replace('\n', " "));
    }
    md
}
