//! The run as reports a platform team reads: per target a `ConformanceReport` YAML, in the
//! spirit of Gateway API's (implementation and version, date, the suite's version, per feature
//! its result, counts and reasons), and one Markdown page laying the targets side by side,
//! feature by feature and scenario by scenario.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::catalog::CatalogEntry;
use crate::report::{Report, ScenarioOutcome, TargetRun};
use crate::targets::Implementation;

/// The report's schema version.
pub const API_VERSION: &str = "vllm-gateway-kit.conformance/v1alpha1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Result {
    Passed,
    Failed,
    Skipped,
    NotApplicable,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConformanceReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub target: String,
    pub implementation: Implementation,
    pub date: String,
    pub suite_version: String,
    pub result: Result,
    /// Why the target did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
    pub features: Vec<FeatureReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureReport {
    pub name: String,
    pub file: String,
    pub result: Result,
    pub scenarios: Counts,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_reasons: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applicable_reasons: Vec<String>,
}

/// When and with what the run was made.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub date: String,
    pub suite_version: String,
}

impl RunInfo {
    /// Now, and this suite's version with its commit when git can tell it.
    pub fn now() -> Self {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let commit = std::process::Command::new("git")
            .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "--short", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        let version = env!("CARGO_PKG_VERSION");
        RunInfo {
            date,
            suite_version: match commit {
                Some(commit) => format!("{version} (commit {commit})"),
                None => version.to_owned(),
            },
        }
    }
}

fn result_of(counts: &Counts) -> Result {
    if counts.failed > 0 {
        Result::Failed
    } else if counts.passed > 0 {
        Result::Passed
    } else if counts.skipped > 0 {
        Result::Skipped
    } else {
        Result::NotApplicable
    }
}

/// The report of one target.
pub fn conformance_report(run: &TargetRun, info: &RunInfo) -> ConformanceReport {
    let mut features: Vec<FeatureReport> = Vec::new();
    for scenario in &run.scenarios {
        let index = match features.iter().position(|f| f.name == scenario.feature) {
            Some(index) => index,
            None => {
                features.push(FeatureReport {
                    name: scenario.feature.clone(),
                    file: scenario.file.clone(),
                    result: Result::NotApplicable,
                    scenarios: Counts::default(),
                    failed: vec![],
                    skipped_reasons: vec![],
                    not_applicable_reasons: vec![],
                });
                features.len() - 1
            }
        };
        let feature = &mut features[index];
        let push_once = |reasons: &mut Vec<String>, reason: &str| {
            if !reasons.iter().any(|r| r == reason) {
                reasons.push(reason.to_owned());
            }
        };
        match &scenario.outcome {
            ScenarioOutcome::Passed => feature.scenarios.passed += 1,
            ScenarioOutcome::Failed => {
                feature.scenarios.failed += 1;
                feature.failed.push(scenario.scenario.clone());
            }
            ScenarioOutcome::Skipped(reason) => {
                feature.scenarios.skipped += 1;
                push_once(&mut feature.skipped_reasons, reason);
            }
            ScenarioOutcome::NotApplicable(reason) => {
                feature.scenarios.not_applicable += 1;
                push_once(&mut feature.not_applicable_reasons, reason);
            }
        }
    }
    for feature in &mut features {
        feature.result = result_of(&feature.scenarios);
    }
    let result = match &run.not_run {
        Some(not_run) if not_run.failed => Result::Failed,
        _ if run.errors > 0 => Result::Failed,
        _ => {
            let total = features.iter().fold(Counts::default(), |mut total, f| {
                total.passed += f.scenarios.passed;
                total.failed += f.scenarios.failed;
                total.skipped += f.scenarios.skipped;
                total.not_applicable += f.scenarios.not_applicable;
                total
            });
            result_of(&total)
        }
    };
    ConformanceReport {
        api_version: API_VERSION,
        kind: "ConformanceReport",
        target: run.target.to_owned(),
        implementation: run.implementation.clone(),
        date: info.date.clone(),
        suite_version: info.suite_version.clone(),
        result,
        not_run: run.not_run.as_ref().map(|n| n.reason.clone()),
        features,
    }
}

fn result_word(result: Result) -> &'static str {
    match result {
        Result::Passed => "passed",
        Result::Failed => "FAILED",
        Result::Skipped => "skipped",
        Result::NotApplicable => "not for it",
    }
}

/// Every target side by side: the summary, the features, and each scenario.
pub fn markdown(report: &Report, catalog: &[CatalogEntry], info: &RunInfo) -> String {
    let runs = &report.targets;
    let reports: Vec<ConformanceReport> = runs.iter().map(|run| conformance_report(run, info)).collect();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Conformance report\n\nSuite {}, run {}. One `report-<target>.yaml` per target beside this page.\n",
        info.suite_version, info.date
    );
    let _ = writeln!(
        md,
        "| target | implementation | version | result | passed | failed | skipped | not for it |\n|---|---|---|---|---:|---:|---:|---:|"
    );
    for (run, report) in runs.iter().zip(&reports) {
        let not_applicable: usize = run.not_applicable().values().sum();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            run.target,
            report.implementation.name,
            report.implementation.version,
            result_word(report.result),
            run.passed(),
            run.failed(),
            run.skipped(),
            not_applicable
        );
    }
    let not_run: Vec<String> = runs
        .iter()
        .filter_map(|run| {
            run.not_run
                .as_ref()
                .map(|n| format!("- **{}**: {}", run.target, n.reason))
        })
        .collect();
    if !not_run.is_empty() {
        let _ = writeln!(md, "\nNot run:\n\n{}", not_run.join("\n"));
    }

    let header = |first: &str| {
        let names: Vec<&str> = runs.iter().map(|r| r.target).collect();
        format!(
            "| {first} | {} |\n|---|{}",
            names.join(" | "),
            "---|".repeat(names.len())
        )
    };
    let _ = writeln!(md, "\n## Features\n\n{}", header("feature"));
    let features: Vec<(String, String)> = first_seen(
        runs.iter()
            .flat_map(|run| run.scenarios.iter().map(|s| (s.feature.clone(), s.file.clone()))),
    );
    for (feature, file) in &features {
        let cells: Vec<String> = reports
            .iter()
            .map(|report| match report.features.iter().find(|f| &f.name == feature) {
                Some(f) if f.result == Result::Passed || f.result == Result::Failed => format!(
                    "{} {}/{}",
                    result_word(f.result),
                    f.scenarios.passed,
                    f.scenarios.passed + f.scenarios.failed
                ),
                Some(f) => result_word(f.result).to_owned(),
                None => "-".to_owned(),
            })
            .collect();
        let _ = writeln!(md, "| {feature} (`{file}`) | {} |", cells.join(" | "));
    }

    for (feature, file) in &features {
        let _ = writeln!(md, "\n### {feature} (`{file}`)\n\n{}", header("scenario"));
        let scenarios = first_seen(
            runs.iter()
                .flat_map(|run| run.scenarios.iter().filter(|s| &s.feature == feature))
                .map(|s| s.scenario.clone()),
        );
        for scenario in scenarios {
            let cells: Vec<&str> = runs
                .iter()
                .map(|run| {
                    match run
                        .scenarios
                        .iter()
                        .find(|s| &s.feature == feature && s.scenario == scenario)
                        .map(|s| &s.outcome)
                    {
                        Some(ScenarioOutcome::Passed) => "passed",
                        Some(ScenarioOutcome::Failed) => "FAILED",
                        Some(ScenarioOutcome::Skipped(_)) => "skipped",
                        Some(ScenarioOutcome::NotApplicable(_)) | None => "-",
                    }
                })
                .collect();
            let _ = writeln!(md, "| {} | {} |", scenario.replace('|', "\\|"), cells.join(" | "));
        }
    }
    let _ = writeln!(
        md,
        "\n`-`: not for this target by design (a gateway-only scenario on a target without one, a Kubernetes step without a cluster); each YAML report gives the reasons."
    );
    let _ = writeln!(
        md,
        "\n## What each gateway did\n\nPer scenario, the rows of its tables that hold for each target (its own, else `default`: vLLM's own behaviour), where the scenario passed: what the target was seen to do in this run.\n{}",
        crate::matrix::matrix(report, catalog)
    );
    md
}

/// The distinct items in the order first seen.
fn first_seen<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeMap::new();
    let mut order = Vec::new();
    for item in items {
        if seen.insert(item.clone(), ()).is_none() {
            order.push(item);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogEntry;
    use crate::report::NotRun;
    use crate::verdicts::{Recorded, ScenarioVerdict, Verdict};

    fn info() -> RunInfo {
        RunInfo {
            date: "2026-11-25T12:00:00Z".into(),
            suite_version: "0.1.0".into(),
        }
    }

    fn entry(feature: &str, scenario: &str) -> CatalogEntry {
        CatalogEntry {
            feature: feature.into(),
            file: "gateway.feature".into(),
            scenario: scenario.into(),
            tags: vec![],
            expectations: vec![],
        }
    }

    fn runs() -> Report {
        let verdict = |scenario: &str, verdict| ScenarioVerdict {
            feature: "Gateway".into(),
            file: "gateway.feature".into(),
            scenario: scenario.into(),
            verdict,
            message: None,
        };
        let mut report = Report::default();
        report.add(TargetRun::ran(
            "litellm",
            Implementation::new("LiteLLM proxy", "1.108.7"),
            Recorded {
                verdicts: vec![verdict("429", Verdict::Passed), verdict("reset", Verdict::Failed)],
                parse_errors: 0,
            },
            0,
            vec![(entry("Cluster", "Step 2"), "needs a Kubernetes cluster".into())],
        ));
        report.add(TargetRun::not_run(
            "kind",
            NotRun {
                reason: "no Kubernetes cluster".into(),
                failed: false,
            },
            vec![
                entry("Gateway", "429"),
                entry("Gateway", "reset"),
                entry("Cluster", "Step 2"),
            ],
            vec![],
        ));
        report
    }

    #[test]
    fn a_target_reports_each_feature_with_counts_and_reasons() {
        let report = runs();
        let litellm = conformance_report(&report.targets[0], &info());
        assert_eq!(litellm.result, Result::Failed);
        assert_eq!(litellm.implementation.version, "1.108.7");
        let gateway = &litellm.features[0];
        assert_eq!(
            (gateway.result, gateway.failed.as_slice()),
            (Result::Failed, &["reset".to_owned()][..])
        );
        assert_eq!(litellm.features[1].result, Result::NotApplicable);
        assert_eq!(
            litellm.features[1].not_applicable_reasons,
            ["needs a Kubernetes cluster"]
        );

        let kind = conformance_report(&report.targets[1], &info());
        assert_eq!(kind.result, Result::Skipped);
        assert_eq!(kind.not_run.as_deref(), Some("no Kubernetes cluster"));
        assert_eq!(kind.features[0].skipped_reasons, ["no Kubernetes cluster"]);

        let yaml = serde_yaml_ng::to_string(&kind).unwrap();
        assert!(
            yaml.starts_with("apiVersion: vllm-gateway-kit.conformance/v1alpha1\nkind: ConformanceReport\n"),
            "{yaml}"
        );
        assert!(yaml.contains("notApplicable: 0"), "{yaml}");
    }

    #[test]
    fn the_page_lays_targets_side_by_side() {
        let md = markdown(&runs(), &[], &info());
        assert!(
            md.contains("| litellm | LiteLLM proxy | 1.108.7 | FAILED | 1 | 1 | 0 | 1 |"),
            "{md}"
        );
        assert!(
            md.contains("| Gateway (`gateway.feature`) | FAILED 1/2 | skipped |"),
            "{md}"
        );
        assert!(md.contains("| reset | FAILED | skipped |"), "{md}");
        assert!(md.contains("| Step 2 | - | skipped |"), "{md}");
        assert!(md.contains("- **kind**: no Kubernetes cluster"));
    }
}
