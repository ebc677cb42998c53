//! What a scenario's per-target tables expect of each gateway.
//!
//! A step's `| target | ... |` table says what each gateway does: its own row, else the
//! `default` row, which is vLLM's own behaviour. These are read from the features alone; the
//! behaviour matrix (`matrix.rs`) sets them beside what the run saw.

use cucumber::gherkin;

/// A step's per-target table: what the step expects of each target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The step's text, an outline's placeholders filled in.
    pub step: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Columns that say which row, or why, rather than what happened.
const NOT_BEHAVIOUR: [&str; 2] = ["target", "why"];

impl Expectation {
    /// The tables of `scenario`'s steps that have a `target` column, for one example of an
    /// outline (`example`: its columns and values). A table with a column per example value
    /// (`| 400 | 429 | ... |`) keeps only this example's.
    pub fn of(scenario: &gherkin::Scenario, example: &[(String, String)]) -> Vec<Expectation> {
        scenario
            .steps
            .iter()
            .filter_map(|step| {
                let table = step.table.as_ref()?;
                let header = table.rows.first()?;
                if !header.iter().any(|c| c == "target") {
                    return None;
                }
                let text = example.iter().fold(step.value.clone(), |text, (column, value)| {
                    text.replace(&format!("<{column}>"), value)
                });
                // `calls at 429` is the `429` example's column.
                let for_example: Vec<usize> = (0..header.len())
                    .filter(|&i| {
                        example
                            .iter()
                            .any(|(_, value)| header[i] == *value || header[i].ends_with(&format!(" {value}")))
                    })
                    .collect();
                let keep: Vec<usize> = (0..header.len())
                    .filter(|&i| {
                        NOT_BEHAVIOUR.contains(&header[i].as_str())
                            || for_example.is_empty()
                            || for_example.contains(&i)
                    })
                    .collect();
                let pick = |row: &Vec<String>| keep.iter().map(|&i| row.get(i).cloned().unwrap_or_default()).collect();
                Some(Expectation {
                    step: text,
                    header: pick(header),
                    rows: table.rows[1..].iter().map(pick).collect(),
                })
            })
            .collect()
    }

    /// The behaviour the row for `rows` (else `default`) states: its cells but `target` and
    /// `why`, as `column: value`.
    pub fn for_target(&self, rows: &str) -> Option<String> {
        let target = self.header.iter().position(|c| c == "target")?;
        let row = self
            .rows
            .iter()
            .find(|r| r[target] == rows)
            .or_else(|| self.rows.iter().find(|r| r[target] == "default"))?;
        let cells: Vec<(&str, &str)> = self
            .header
            .iter()
            .zip(row)
            .filter(|(column, _)| !NOT_BEHAVIOUR.contains(&column.as_str()))
            .map(|(column, value)| (column.as_str(), value.as_str()))
            .collect();
        Some(
            cells
                .iter()
                .map(|(column, value)| format!("{column}: {value}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cucumber::gherkin::GherkinEnv;

    const FEATURE: &str = "Feature: F\n\n  Scenario Outline: vLLM answers <status>\n    When x\n    Then the client gets status <status>\n    And vLLM was called at status <status>:\n      | target  | calls at 400 | calls at 429 | why     |\n      | default | 1            | 1            |         |\n      | nginx   | 1            | 2            | retries |\n    And the answer:\n      | target  | answer |\n      | default | none   |\n\n    Examples:\n      | status |\n      | 400    |\n      | 429    |\n";

    fn scenario() -> gherkin::Scenario {
        let feature = gherkin::Feature::parse(FEATURE, GherkinEnv::default()).unwrap();
        feature.scenarios[0].clone()
    }

    #[test]
    fn an_outlines_example_keeps_its_own_column() {
        let example = [("status".to_owned(), "429".to_owned())];
        let expectations = Expectation::of(&scenario(), &example);
        assert_eq!(expectations.len(), 2);
        assert_eq!(expectations[0].step, "vLLM was called at status 429:");
        assert_eq!(expectations[0].header, ["target", "calls at 429", "why"]);
        assert_eq!(expectations[0].for_target("nginx").as_deref(), Some("calls at 429: 2"));
        assert_eq!(
            expectations[0].for_target("litellm").as_deref(),
            Some("calls at 429: 1")
        );
        assert_eq!(expectations[1].for_target("nginx").as_deref(), Some("answer: none"));
    }

    #[test]
    fn several_columns_read_as_column_and_value() {
        let expectation = Expectation {
            step: "s".into(),
            header: vec!["target".into(), "first".into(), "second".into()],
            rows: vec![vec!["nginx".into(), "1".into(), "2".into()]],
        };
        assert_eq!(expectation.for_target("nginx").as_deref(), Some("first: 1, second: 2"));
        assert_eq!(expectation.for_target("other"), None);
    }
}
