//! The run's summary across targets: what passed, failed, was skipped for an absent
//! component (with the one-line reason), and what did not apply to a target by design.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::settings::TargetName;

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
    Unavailable {
        reason: String,
        scenarios: usize,
        required: bool,
    },
}

#[derive(Debug, Default)]
pub struct Report {
    targets: Vec<(TargetName, Outcome)>,
}

impl Report {
    pub fn add(&mut self, target: TargetName, outcome: Outcome) {
        self.targets.push((target, outcome));
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
                Outcome::Unavailable {
                    scenarios, required, ..
                } => (p, f + usize::from(*required), s + scenarios),
            })
    }

    /// Whether the run succeeded: nothing failed and no required target was absent.
    pub fn succeeded(&self) -> bool {
        self.totals().1 == 0
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
                Outcome::Unavailable {
                    reason,
                    scenarios,
                    required,
                } => {
                    let verdict = if *required { "FAILED, required" } else { "skipped" };
                    let _ = writeln!(
                        text,
                        "  {target:<13} {verdict}: {scenarios} scenarios not run: {reason}"
                    );
                }
            }
        }
        let (passed, failed, skipped) = self.totals();
        // The closing line CI reads.
        let _ = writeln!(text, "{passed} passed, {failed} failed, {skipped} skipped");
        text
    }
}

/// A JUnit report for a target that could not run: every scenario skipped, with the reason.
pub fn write_skipped_junit(path: &Path, target: TargetName, reason: &str, scenarios: &[String]) -> std::io::Result<()> {
    let mut suite = junit_report::TestSuite::new(&format!("conformance: {target}"));
    suite.add_testcases(
        scenarios
            .iter()
            .map(|name| junit_report::TestCase::skipped_with_cause(name, "unavailable", reason)),
    );
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
            TargetName::Direct,
            Outcome::Ran {
                passed: 10,
                failed: 0,
                skipped: 0,
                errors: 0,
                not_applicable: [("Step 2".to_owned(), "needs a Kubernetes cluster".to_owned())].into(),
            },
        );
        report.add(
            TargetName::Kind,
            Outcome::Unavailable {
                reason: "no cluster".into(),
                scenarios: 7,
                required: false,
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
            TargetName::Litellm,
            Outcome::Unavailable {
                reason: "no LiteLLM".into(),
                scenarios: 3,
                required: true,
            },
        );
        assert!(!report.succeeded());
        assert!(report.render().contains("FAILED, required"));
    }

    #[test]
    fn skipped_targets_get_a_junit_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kind.xml");
        write_skipped_junit(
            &path,
            TargetName::Kind,
            "no cluster",
            &["Step 1".into(), "Step 2".into()],
        )
        .unwrap();
        let xml = std::fs::read_to_string(path).unwrap();
        assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
        assert!(xml.contains("no cluster"));
    }
}
