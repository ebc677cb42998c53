//! What each target did with each scenario, and the run's summary across targets: what passed,
//! failed, was skipped for an absent component (with the one-line reason), what failed to start,
//! and what did not apply to a target by design.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::catalog::CatalogEntry;
use crate::targets::Implementation;
use crate::verdicts::{Recorded, Verdict};

/// What became of one scenario on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioOutcome {
    Passed,
    Failed,
    /// Not run: the target (or a component it needs) is absent here; the reason.
    Skipped(String),
    /// Not for this target by design (a tag it does not meet); the reason.
    NotApplicable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioResult {
    pub feature: String,
    pub file: String,
    pub scenario: String,
    pub outcome: ScenarioOutcome,
    /// Why it failed, where it did.
    pub message: Option<String>,
}

/// Why a target did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun {
    pub reason: String,
    /// It was pointed at or insisted on: a failure, not a skip.
    pub failed: bool,
}

/// One target's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRun {
    pub target: &'static str,
    /// The features' rows it was held to: its own name's, unless it ran another gateway.
    pub rows: String,
    pub implementation: Implementation,
    pub scenarios: Vec<ScenarioResult>,
    /// Parse and hook errors.
    pub errors: usize,
    pub not_run: Option<NotRun>,
}

impl TargetRun {
    /// A target that ran: the recorded verdicts, and the scenarios that were not for it.
    pub fn ran(
        target: &'static str,
        implementation: Implementation,
        recorded: Recorded,
        hook_errors: usize,
        not_applicable: Vec<(CatalogEntry, String)>,
    ) -> Self {
        let mut scenarios: Vec<ScenarioResult> = recorded
            .verdicts
            .into_iter()
            .map(|v| ScenarioResult {
                feature: v.feature,
                file: v.file,
                scenario: v.scenario,
                outcome: match v.verdict {
                    Verdict::Passed => ScenarioOutcome::Passed,
                    Verdict::Failed => ScenarioOutcome::Failed,
                    Verdict::Skipped => ScenarioOutcome::Skipped("a step was skipped".to_owned()),
                },
                message: v.message,
            })
            .collect();
        scenarios.extend(not_applicable.into_iter().map(|(entry, reason)| ScenarioResult {
            feature: entry.feature,
            file: entry.file,
            scenario: entry.scenario,
            outcome: ScenarioOutcome::NotApplicable(reason),
            message: None,
        }));
        TargetRun {
            target,
            rows: target.to_owned(),
            implementation,
            scenarios,
            errors: recorded.parse_errors + hook_errors,
            not_run: None,
        }
    }

    /// A target that did not come up: its applicable scenarios skipped (or failed) with the
    /// reason.
    pub fn not_run(
        target: &'static str,
        not_run: NotRun,
        applicable: Vec<CatalogEntry>,
        not_applicable: Vec<(CatalogEntry, String)>,
    ) -> Self {
        let skipped = applicable
            .into_iter()
            .map(|entry| (entry, ScenarioOutcome::Skipped(not_run.reason.clone())));
        let other = not_applicable
            .into_iter()
            .map(|(entry, reason)| (entry, ScenarioOutcome::NotApplicable(reason)));
        TargetRun {
            target,
            rows: target.to_owned(),
            implementation: Implementation::not_started(target),
            scenarios: skipped
                .chain(other)
                .map(|(entry, outcome)| ScenarioResult {
                    feature: entry.feature,
                    file: entry.file,
                    scenario: entry.scenario,
                    outcome,
                    message: None,
                })
                .collect(),
            errors: 0,
            not_run: Some(not_run),
        }
    }

    /// Held to the rows of `rows` (the `command` target running nginx is held to nginx's).
    pub fn held_to(mut self, rows: &str) -> Self {
        self.rows = rows.to_owned();
        self
    }

    fn count(&self, wanted: fn(&ScenarioOutcome) -> bool) -> usize {
        self.scenarios.iter().filter(|s| wanted(&s.outcome)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, ScenarioOutcome::Passed))
    }

    /// Failed scenarios, errors, and, when a target that had to run did not, its scenarios.
    pub fn failed(&self) -> usize {
        let failed = self.count(|o| matches!(o, ScenarioOutcome::Failed)) + self.errors;
        match &self.not_run {
            Some(NotRun { failed: true, .. }) => failed + self.skipped().max(1),
            _ => failed,
        }
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, ScenarioOutcome::Skipped(_)))
    }

    /// Why scenarios were not for this target, with how many.
    pub fn not_applicable(&self) -> BTreeMap<&str, usize> {
        let mut reasons = BTreeMap::new();
        for scenario in &self.scenarios {
            if let ScenarioOutcome::NotApplicable(reason) = &scenario.outcome {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
        }
        reasons
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub targets: Vec<TargetRun>,
    /// Required components that are not there (e.g. `openai-sdk`), with what they are.
    missing: Vec<(&'static str, &'static str)>,
}

impl Report {
    pub fn add(&mut self, run: TargetRun) {
        self.targets.push(run);
    }

    /// This report with `run` added, leaving this one as it is (a target still running).
    pub fn with(&self, run: TargetRun) -> Report {
        let mut report = self.clone();
        report.add(run);
        report
    }

    /// A component the run requires is missing: the run fails.
    pub fn missing(&mut self, component: &'static str, what: &'static str) {
        self.missing.push((component, what));
    }

    /// Passed, failed and skipped across targets; a target that failed to start counts its
    /// scenarios as failed.
    pub fn totals(&self) -> (usize, usize, usize) {
        self.targets
            .iter()
            .fold((0, 0, 0), |(p, f, s), run| match &run.not_run {
                Some(NotRun { failed: true, .. }) => (p, f + run.failed(), s),
                _ => (p + run.passed(), f + run.failed(), s + run.skipped()),
            })
    }

    /// Whether the run succeeded: nothing failed, every target that had to run ran, and no
    /// required component was missing.
    pub fn succeeded(&self) -> bool {
        self.totals().1 == 0 && self.missing.is_empty()
    }

    pub fn render(&self) -> String {
        let mut text = String::from("\nconformance summary\n");
        for run in &self.targets {
            let target = run.target;
            match &run.not_run {
                None => {
                    let errors = match run.errors {
                        0 => String::new(),
                        n => format!(", {n} errors"),
                    };
                    let reasons = run.not_applicable();
                    let _ = writeln!(
                        text,
                        "  {target:<13} {} passed, {} failed, {} skipped{errors}; {} not for this target",
                        run.passed(),
                        run.failed(),
                        run.skipped(),
                        reasons.values().sum::<usize>()
                    );
                    for (reason, count) in reasons {
                        let _ = writeln!(text, "  {:<13}   {count} {reason}", "");
                    }
                    // Named here, at the end CI shows, as cargo test lists its failures: the
                    // scenario's own output may be far above, or cut from what CI keeps.
                    for failure in run.scenarios.iter().filter(|s| s.outcome == ScenarioOutcome::Failed) {
                        let why = failure.message.as_deref().and_then(|m| m.lines().next()).unwrap_or("");
                        let _ = writeln!(
                            text,
                            "  {:<13}   FAILED {}: {}: {why}",
                            "", failure.file, failure.scenario
                        );
                    }
                }
                Some(not_run) => {
                    let verdict = if not_run.failed { "FAILED to start" } else { "skipped" };
                    let reason = not_run.reason.replace('\n', "\n                  ");
                    let _ = writeln!(
                        text,
                        "  {target:<13} {verdict}: {} scenarios not run: {reason}",
                        run.skipped()
                    );
                }
            }
        }
        for (component, what) in &self.missing {
            let _ = writeln!(text, "  {component:<13} FAILED, required and missing: {what}");
        }
        let (passed, failed, skipped) = self.totals();
        // The closing line CI reads.
        let _ = writeln!(text, "{passed} passed, {failed} failed, {skipped} skipped");
        text
    }
}

/// A target's JUnit report: a test case per scenario it ran (passed, failed with the first
/// failed step's error, skipped), or, for a target that did not run, every scenario skipped
/// with the reason (in error with it, when it failed to start). Scenarios not for the target
/// by design are left out.
pub fn write_junit(path: &Path, run: &TargetRun) -> std::io::Result<()> {
    let mut suite = junit_report::TestSuite::new(&format!("conformance: {}", run.target));
    suite.add_testcases(run.scenarios.iter().filter_map(|s| {
        let name = crate::catalog::label(&s.feature, &s.scenario);
        let zero = junit_report::Duration::ZERO;
        match (&s.outcome, &run.not_run) {
            (ScenarioOutcome::Skipped(_), Some(not_run)) if not_run.failed => Some(junit_report::TestCase::error(
                &name,
                zero,
                "start failed",
                &not_run.reason,
            )),
            (ScenarioOutcome::Skipped(reason), _) => {
                Some(junit_report::TestCase::skipped_with_cause(&name, "unavailable", reason))
            }
            (ScenarioOutcome::Passed, _) => Some(junit_report::TestCase::success(&name, zero)),
            (ScenarioOutcome::Failed, _) => Some(junit_report::TestCase::failure(
                &name,
                zero,
                "step failed",
                s.message.as_deref().unwrap_or("a step failed"),
            )),
            (ScenarioOutcome::NotApplicable(_), _) => None,
        }
    }));
    let mut report = junit_report::Report::new();
    report.add_testsuite(suite);
    let file = std::fs::File::create(path)?;
    report.write_xml(file).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(feature: &str, scenario: &str) -> CatalogEntry {
        CatalogEntry {
            feature: feature.into(),
            file: "f.feature".into(),
            scenario: scenario.into(),
            tags: vec![],
            expectations: vec![],
        }
    }

    fn ran(passed: usize, failed: usize, not_applicable: usize) -> TargetRun {
        let verdict = |i: usize, verdict| crate::verdicts::ScenarioVerdict {
            feature: "F".into(),
            file: "f.feature".into(),
            scenario: format!("s{i}"),
            verdict,
            message: (verdict == Verdict::Failed).then(|| "Then x: expected 1, seen 2".to_owned()),
        };
        let verdicts = (0..passed)
            .map(|i| verdict(i, Verdict::Passed))
            .chain((0..failed).map(|i| verdict(100 + i, Verdict::Failed)))
            .collect();
        let not_applicable = (0..not_applicable)
            .map(|i| (entry("F", &format!("k{i}")), "needs a Kubernetes cluster".to_owned()))
            .collect();
        TargetRun::ran(
            "direct",
            Implementation::new("mock-vllm", "0.1.0"),
            Recorded {
                verdicts,
                parse_errors: 0,
            },
            0,
            not_applicable,
        )
    }

    #[test]
    fn summary_counts_skips_and_start_failures() {
        let mut report = Report::default();
        report.add(ran(10, 0, 1));
        let absent = NotRun {
            reason: "no cluster".into(),
            failed: false,
        };
        let seven = (0..7).map(|i| entry("F", &format!("c{i}"))).collect();
        report.add(TargetRun::not_run("kind", absent, seven, vec![]));
        let text = report.render();
        assert!(
            text.contains("kind          skipped: 7 scenarios not run: no cluster"),
            "{text}"
        );
        assert!(text.contains("1 needs a Kubernetes cluster"));
        assert!(text.ends_with("10 passed, 0 failed, 7 skipped\n"), "{text}");
        assert!(!text.contains("FAILED"), "{text}");
        assert!(report.succeeded());

        let failed = NotRun {
            reason: "litellm exited (exit status: 1)\nlast line".into(),
            failed: true,
        };
        let three = (0..3).map(|i| entry("F", &format!("l{i}"))).collect();
        report.add(TargetRun::not_run("litellm", failed, three, vec![]));
        assert!(!report.succeeded());
        let text = report.render();
        assert!(
            text.contains("litellm       FAILED to start: 3 scenarios not run: litellm exited"),
            "{text}"
        );
        assert!(text.ends_with("10 passed, 3 failed, 7 skipped\n"), "{text}");
    }

    #[test]
    fn failed_scenarios_fail_the_run() {
        let mut report = Report::default();
        report.add(ran(2, 1, 0));
        assert!(!report.succeeded());
        assert_eq!(report.totals(), (2, 1, 0));
        let text = report.render();
        assert!(
            text.contains("FAILED f.feature: s100: Then x: expected 1, seen 2\n"),
            "the summary names the failed scenario: {text}"
        );
    }

    #[test]
    fn a_missing_required_component_fails_the_run() {
        let mut report = Report::default();
        report.missing("openai-sdk", "the OpenAI Python SDK");
        assert!(!report.succeeded());
        assert!(report.render().contains("openai-sdk    FAILED, required and missing"));
    }

    #[test]
    fn skipped_targets_get_a_junit_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kind.xml");
        let absent = NotRun {
            reason: "no cluster".into(),
            failed: false,
        };
        let run = TargetRun::not_run("kind", absent, vec![entry("F", "Step 1"), entry("F", "Step 2")], vec![]);
        write_junit(&path, &run).unwrap();
        let xml = std::fs::read_to_string(path).unwrap();
        assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
        assert!(xml.contains("no cluster"));
    }
}
