//! One cucumber run per target, each with its own JUnit file, then the summary.
//!
//! A target that nothing points at is skipped with its one-line reason; one the run insists on
//! (named in `CONFORMANCE_TARGET`, or required by `CONFORMANCE_REQUIRE`), or one that was
//! pointed at and did not come up, fails the run. A step without a definition fails its
//! scenario (cucumber's `fail_on_skipped`), so a misspelt step cannot pass.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cucumber::gherkin::{self, GherkinEnv};
use cucumber::tag::Ext as _;
use cucumber::writer::Stats as _;
use cucumber::{World as _, WriterExt as _, writer};

use crate::counter::ScenarioCounter;
use crate::report::{Outcome, Report, write_unrun_junit};
use crate::sdk::OpenAiSdk;
use crate::settings::Settings;
use crate::targets::{Capability, StartError, TargetSpec, applies};
use crate::world::{Run, WorkshopWorld};

/// The workspace's `features/`.
pub fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../features")
}

/// Where the JUnit reports go: `target/conformance/`.
pub fn reports_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("conformance")
}

/// A scenario's name and the tags it carries from its feature, rule and itself.
struct ScenarioInfo {
    name: String,
    tags: Vec<String>,
}

fn scenario_tags(
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

/// Every scenario of the features, outlines counted once per example row.
fn all_scenarios(dir: &Path) -> Vec<ScenarioInfo> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "feature"));
    files.sort();
    let mut scenarios = Vec::new();
    for file in files {
        let Ok(feature) = gherkin::Feature::parse_path(&file, GherkinEnv::default()) else {
            continue;
        };
        let rules = feature
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (rule, scenario) in feature.scenarios.iter().map(|s| (None, s)).chain(rules) {
            let rows = scenario
                .examples
                .iter()
                .filter_map(|e| e.table.as_ref())
                .map(|t| t.rows.len().saturating_sub(1))
                .sum::<usize>()
                .max(1);
            for row in 0..rows {
                let name = if rows > 1 {
                    format!("{}: {} (example {})", feature.name, scenario.name, row + 1)
                } else {
                    format!("{}: {}", feature.name, scenario.name)
                };
                scenarios.push(ScenarioInfo {
                    name,
                    tags: scenario_tags(&feature, rule, scenario),
                });
            }
        }
    }
    scenarios
}

/// The user's own selection: `CONFORMANCE_TAGS` (a tag expression), `CONFORMANCE_NAME` (a regex).
fn selected_by_user(settings: &Settings, name: &str, tags: &[String]) -> bool {
    let by_tags = settings.tags.as_ref().is_none_or(|op| op.eval(tags.iter()));
    let by_name = settings.name.as_ref().is_none_or(|re| re.is_match(name));
    by_tags && by_name
}

/// Runs the features on every selected target and prints the summary; returns whether it passed.
pub async fn run(settings: &Settings) -> bool {
    let features = features_dir();
    let reports = reports_dir();
    if let Err(err) = std::fs::create_dir_all(&reports) {
        eprintln!("cannot create {}: {err}", reports.display());
    }
    let scenarios = all_scenarios(&features);
    let mut report = Report::default();

    let sdk = OpenAiSdk::find(&settings.env).await;
    if sdk.is_none() && settings.requires("openai-sdk") {
        report.missing("openai-sdk", Capability::OpenAiSdk.describe());
    }

    for &spec in &settings.targets {
        println!("\n=== conformance: target {} ===", spec.name);
        let available = available_capabilities(spec, sdk.is_some());
        let target = match (spec.start)(settings).await {
            Ok(target) => target,
            Err(err) => {
                let failed = matches!(err, StartError::Failed(_)) || settings.insists_on(spec.name);
                let reason = err.to_string();
                let applicable: Vec<String> = scenarios
                    .iter()
                    .filter(|s| applies(spec.name, &available, &s.tags).is_ok())
                    .filter(|s| selected_by_user(settings, &s.name, &s.tags))
                    .map(|s| s.name.clone())
                    .collect();
                println!("{}: {reason}", if failed { "FAILED to start" } else { "skipped" });
                let path = reports.join(format!("{}.xml", spec.name));
                if let Err(err) = write_unrun_junit(&path, spec.name, &reason, &applicable, failed) {
                    eprintln!("cannot write {}: {err}", path.display());
                }
                report.add(
                    spec.name,
                    Outcome::NotRun {
                        reason,
                        scenarios: applicable.len(),
                        failed,
                    },
                );
                continue;
            }
        };
        let run = Run {
            target: target.clone(),
            workshop: settings.workshop.clone(),
            sdk: sdk.clone(),
        };
        let outcome = run_target(spec, &available, run, settings, &features, &reports).await;
        target.shut_down().await;
        report.add(spec.name, outcome);
    }

    print!("{}", report.render());
    report.succeeded()
}

/// What a target offers, and the clients at hand on this machine.
fn available_capabilities(spec: &TargetSpec, sdk: bool) -> Vec<Capability> {
    let mut available = spec.capabilities.to_vec();
    if sdk {
        available.push(Capability::OpenAiSdk);
    }
    available
}

async fn run_target(
    spec: &'static TargetSpec,
    available: &[Capability],
    run: Run,
    settings: &Settings,
    features: &Path,
    reports: &Path,
) -> Outcome {
    let not_applicable = Arc::new(Mutex::new(BTreeMap::new()));
    let filter = {
        let not_applicable = not_applicable.clone();
        let settings = settings.clone();
        let available = available.to_vec();
        move |feature: &gherkin::Feature, rule: Option<&gherkin::Rule>, scenario: &gherkin::Scenario| {
            let tags = scenario_tags(feature, rule, scenario);
            let label = format!("{}: {}", feature.name, scenario.name);
            match applies(spec.name, &available, &tags) {
                Ok(()) => selected_by_user(&settings, &label, &tags),
                Err(reason) => {
                    not_applicable
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(label, reason);
                    false
                }
            }
        }
    };
    let junit_path = reports.join(format!("{}.xml", spec.name));
    let junit = match std::fs::File::create(&junit_path) {
        Ok(file) => file,
        Err(err) => {
            return Outcome::NotRun {
                reason: format!("cannot write {}: {err}", junit_path.display()),
                scenarios: 0,
                failed: true,
            };
        }
    };
    let counter = ScenarioCounter::default();
    let counts = counter.counts();
    let writer = WorkshopWorld::cucumber()
        .max_concurrent_scenarios(1)
        .before(move |_, _, _, world| {
            world.start(run.clone());
            Box::pin(std::future::ready(()))
        })
        .with_writer(
            writer::Basic::raw(io::stdout(), writer::Coloring::Auto, 0)
                .summarized()
                .tee::<WorkshopWorld, _>(writer::JUnit::for_tee(junit, 0))
                .tee::<WorkshopWorld, _>(counter)
                .normalized(),
        )
        .fail_on_skipped()
        .with_default_cli()
        .filter_run(features, filter)
        .await;
    let counts = *counts.lock().unwrap_or_else(|e| e.into_inner());
    let not_applicable = std::mem::take(&mut *not_applicable.lock().unwrap_or_else(|e| e.into_inner()));
    Outcome::Ran {
        passed: counts.passed,
        failed: counts.failed,
        skipped: counts.skipped,
        errors: counts.parse_errors + writer.hook_errors(),
        not_applicable,
    }
}
