//! The run's summary across targets: what passed, failed, was skipped for an absent
//! component (with the one-line reason), what failed to start, and what did not apply to a
//! target by design.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ran {
        passed: usize,
        failed: usize,
        /// Scenarios cucumber skipped (a step without a definition).
        skipped: usize,
        /// Parse and hook errors.
        errors: usize,
        /// Scenario name -> why it does not apply to this target.
        not_applicable: BTreeMap<String, String>,
    },
    /// The target did not run: nothing points at it here (`failed: false`, a skip), or it
    /// was pointed at or insisted on and did not come up (`failed: true`).
    NotRun {
        reason: String,
        scenarios: usize,
        failed: bool,
    },
}

#[derive(Debug, Default)]
pub struct Report {
    targets: Vec<(&'static str, Outcome)>,
    /// Required components that are not there (e.g. `openai-sdk`), with what they are.
    missing: Vec<(&'static str, &'static str)>,
}

impl Report {
    pub fn add(&mut self, target: &'static str, outcome: Outcome) {
        self.targets.push((target, outcome));
    }

    /// A component the run requires is missing: the run fails.
    pub fn missing(&mut self, component: &'static str, what: &'static str) {
        self.missing.push((component, what));
    }

    pub fn totals(&self) -> (usize, usize, usize) {
        self.targets
            .iter()
            .fold((0, 0, 0), |(p, f, s), (_, outcome)| match outcome {
                Outcome::Ran {
                    passed,
                    failed,
                    skipped,
                    errors,
                    ..
                } => (p + passed, f + failed + errors, s + skipped),
                Outcome::NotRun {
                    scenarios,
                    failed: true,
                    ..
                } => (p, f + scenarios.max(&1), s),
                Outcome::NotRun { scenarios, .. } => (p, f, s + scenarios),
            })
    }

    /// Whether the run succeeded: nothing failed, every target that had to run ran, and no
    /// required component was missing.
    pub fn succeeded(&self) -> bool {
        self.totals().1 == 0 && self.missing.is_empty()
    }

    pub fn render(&self) -> String {
        let mut text = String::from("\nconformance summary\n");
        for (target, outcome) in &self.targets {
            match outcome {
                Outcome::Ran {
                    passed,
                    failed,
                    skipped,
                    errors,
                    not_applicable,
                } => {
                    let _ = writeln!(
                        text,
                        "  {target:<13} {passed} passed, {failed} failed, {skipped} skipped{}; {} not for this target",
                        if *errors > 0 {
                            format!(", {errors} errors")
                        } else {
                            String::new()
                        },
                        not_applicable.len()
                    );
                    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
                    for reason in not_applicable.values() {
                        *reasons.entry(reason.as_str()).or_default() += 1;
                    }
                    for (reason, count) in reasons {
                        let _ = writeln!(text, "  {:<13}   {count} {reason}", "");
                    }
                }
                Outcome::NotRun {
                    reason,
                    scenarios,
                    failed,
                } => {
                    let verdict = if *failed { "FAILED to start" } else { "skipped" };
                    let reason = reason.replace('\n', "\n                  ");
                    let _ = writeln!(
                        text,
                        "  {target:<13} {verdict}: {scenarios} scenarios not run: {reason}"
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

/// A JUnit report for a target that did not run: every scenario skipped with the reason, or,
/// when it failed to start, in error with it.
pub fn write_unrun_junit(
    path: &Path,
    target: &str,
    reason: &str,
    scenarios: &[String],
    failed: bool,
) -> std::io::Result<()> {
    let mut suite = junit_report::TestSuite::new(&format!("conformance: {target}"));
    suite.add_testcases(scenarios.iter().map(|name| {
        if failed {
            junit_report::TestCase::error(name, junit_report::Duration::ZERO, "start failed", reason)
        } else {
            junit_report::TestCase::skipped_with_cause(name, "unavailable", reason)
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

    #[test]
    fn summary_counts_skips_and_required_absences() {
        let mut report = Report::default();
        report.add(
            "direct",
            Outcome::Ran {
                passed: 10,
                failed: 0,
                skipped: 0,
                errors: 0,
                not_applicable: [("Step 2".to_owned(), "needs a Kubernetes cluster".to_owned())].into(),
            },
        );
        report.add(
            "kind",
            Outcome::NotRun {
                reason: "no cluster".into(),
                scenarios: 7,
                failed: false,
            },
        );
        let text = report.render();
        assert!(
            text.contains("kind          skipped: 7 scenarios not run: no cluster"),
            "{text}"
        );
        assert!(text.contains("1 needs a Kubernetes cluster"));
        assert!(text.ends_with("10 passed, 0 failed, 7 skipped\n"));
        assert!(report.succeeded());

        report.add(
            "litellm",
            Outcome::NotRun {
                reason: "litellm exited (exit status: 1)\nlast line".into(),
                scenarios: 3,
                failed: true,
            },
        );
        assert!(!report.succeeded());
        let text = report.render();
        assert!(
            text.contains("litellm       FAILED to start: 3 scenarios not run: litellm exited"),
            "{text}"
        );
        assert!(text.ends_with("10 passed, 3 failed, 7 skipped\n"), "{text}");
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
        write_unrun_junit(&path, "kind", "no cluster", &["Step 1".into(), "Step 2".into()], false).unwrap();
        let xml = std::fs::read_to_string(path).unwrap();
        assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
        assert!(xml.contains("no cluster"));
    }
}
