//! Every scenario the features hold, named as cucumber names them when it runs them (an
//! outline once per example row, its `<placeholders>` filled in), with its feature, file and
//! tags: what a target is measured against, also when it does not run.

use std::path::{Path, PathBuf};

use cucumber::gherkin::{self, GherkinEnv};

use crate::expectation::Expectation;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub feature: String,
    /// The feature's file name, e.g. `gateway.feature`.
    pub file: String,
    pub scenario: String,
    /// The feature's, the rule's and the scenario's tags.
    pub tags: Vec<String>,
    /// What its per-target tables expect of each target, for the behaviour matrix.
    pub expectations: Vec<Expectation>,
}

impl CatalogEntry {
    /// `Feature: Scenario`, as `CONFORMANCE_NAME` matches it.
    pub fn label(&self) -> String {
        label(&self.feature, &self.scenario)
    }
}

/// `Feature: Scenario`
pub fn label(feature: &str, scenario: &str) -> String {
    format!("{feature}: {scenario}")
}

/// A scenario's tags with its feature's and rule's.
pub fn scenario_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| &r.tags))
        .chain(&scenario.tags)
        .cloned()
        .collect()
}

/// The file name of a feature, for reports.
pub fn file_name(feature: &gherkin::Feature) -> String {
    feature
        .path
        .as_deref()
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every scenario of the `.feature` files in `dir`, in file order.
pub fn load(dir: &Path) -> Vec<CatalogEntry> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "feature"));
    files.sort();
    let mut entries = Vec::new();
    for file in files {
        let Ok(feature) = gherkin::Feature::parse_path(&file, GherkinEnv::default()) else {
            continue;
        };
        let rules = feature
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (rule, scenario) in feature.scenarios.iter().map(|s| (None, s)).chain(rules) {
            for (name, example) in expanded(scenario) {
                entries.push(CatalogEntry {
                    feature: feature.name.clone(),
                    file: file_name(&feature),
                    scenario: name,
                    tags: scenario_tags(&feature, rule, scenario),
                    expectations: Expectation::of(scenario, &example),
                });
            }
        }
    }
    entries
}

/// An example row of an outline: its columns and values.
type Example = Vec<(String, String)>;

/// A scenario's name, or an outline's once per example row with its placeholders filled in,
/// with the row.
fn expanded(scenario: &gherkin::Scenario) -> Vec<(String, Example)> {
    let rows: Vec<(&Vec<String>, &Vec<String>)> = scenario
        .examples
        .iter()
        .filter_map(|e| e.table.as_ref())
        .flat_map(|table| table.rows.iter().skip(1).map(move |row| (&table.rows[0], row)))
        .collect();
    if rows.is_empty() {
        return vec![(scenario.name.clone(), Vec::new())];
    }
    rows.into_iter()
        .map(|(header, row)| {
            let example: Example = header.iter().cloned().zip(row.iter().cloned()).collect();
            let name = example.iter().fold(scenario.name.clone(), |name, (column, value)| {
                name.replace(&format!("<{column}>"), value)
            });
            (name, example)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_are_named_per_example_row_as_cucumber_names_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.feature"),
            "@gateway\nFeature: F\n  Scenario: plain\n    Given x\n\n  @slow\n  Scenario Outline: status <status>\n    Given x\n\n    Examples:\n      | status |\n      | 429    |\n      | 503    |\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a feature").unwrap();
        let entries = load(dir.path());
        let names: Vec<String> = entries.iter().map(CatalogEntry::label).collect();
        assert_eq!(names, ["F: plain", "F: status 429", "F: status 503"]);
        assert_eq!(entries[1].tags, ["gateway", "slow"]);
        assert_eq!(entries[0].file, "a.feature");
    }
}
