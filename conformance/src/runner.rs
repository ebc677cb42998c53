//! One cucumber run per target, each with its own JUnit file, then the summary.
//!
//! A target that nothing points at is skipped with its one-line reason; one the run insists on
//! (named in `CONFORMANCE_TARGET`, or required by `CONFORMANCE_REQUIRE`), or one that was
//! pointed at and did not come up, fails the run. A step without a definition fails its
//! scenario (cucumber's `fail_on_skipped`), so a misspelt step cannot pass.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cucumber::gherkin;
use cucumber::tag::Ext as _;
use cucumber::writer::Stats as _;
use cucumber::{World as _, WriterExt as _, writer};

use crate::catalog::{self, CatalogEntry};
use crate::conformance_report::{RunInfo, conformance_report, markdown};
use crate::report::{NotRun, Report, TargetRun, write_junit};
use crate::sdk::OpenAiSdk;
use crate::settings::Settings;
use crate::targets::{Capability, StartError, TargetSpec, applies};
use crate::verdicts::VerdictRecorder;
use crate::world::{Run, WorkshopWorld};

/// The workspace's `features/`.
pub fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../features")
}

/// Where the reports go: `target/conformance/`.
pub fn reports_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("conformance")
}

/// The user's own selection: `CONFORMANCE_TAGS` (a tag expression), `CONFORMANCE_NAME` (a regex).
fn selected_by_user(settings: &Settings, name: &str, tags: &[String]) -> bool {
    let by_tags = settings.tags.as_ref().is_none_or(|op| op.eval(tags.iter()));
    let by_name = settings.name.as_ref().is_none_or(|re| re.is_match(name));
    by_tags && by_name
}

/// The user's scenarios, split into those for `target` and those not for it (with why).
fn split_by_applicability(
    scenarios: &[CatalogEntry],
    target: &str,
    available: &[Capability],
    settings: &Settings,
) -> (Vec<CatalogEntry>, Vec<(CatalogEntry, String)>) {
    let mut applicable = Vec::new();
    let mut not_applicable = Vec::new();
    for entry in scenarios
        .iter()
        .filter(|e| selected_by_user(settings, &e.label(), &e.tags))
    {
        match applies(target, available, &entry.tags) {
            Ok(()) => applicable.push(entry.clone()),
            Err(reason) => not_applicable.push((entry.clone(), reason)),
        }
    }
    (applicable, not_applicable)
}

/// Runs the features on every selected target, prints the summary and writes the reports;
/// returns whether it passed.
pub async fn run(settings: &Settings) -> bool {
    let features = features_dir();
    let reports = reports_dir();
    if let Err(err) = std::fs::create_dir_all(&reports) {
        eprintln!("cannot create {}: {err}", reports.display());
    }
    let scenarios = catalog::load(&features);
    let info = RunInfo::now();
    let mut report = Report::default();

    let sdk = OpenAiSdk::find(&settings.env).await;
    if sdk.is_none() && settings.requires("openai-sdk") {
        report.missing("openai-sdk", Capability::OpenAiSdk.describe());
    }

    let targets = match crate::targets::selected(settings) {
        Ok(targets) => targets,
        Err(err) => {
            eprintln!("{err}");
            return false;
        }
    };
    for spec in targets {
        println!("\n=== conformance: target {} ===", spec.name);
        let available = available_capabilities(spec, settings, sdk.is_some());
        let (applicable, not_applicable) = split_by_applicability(&scenarios, spec.name, &available, settings);
        let run = match (spec.start)(settings).await {
            Ok(target) => {
                let run = Run {
                    target: target.clone(),
                    workshop: settings.workshop.clone(),
                    sdk: sdk.clone(),
                };
                let implementation = target.implementation();
                let rows = target.rows().to_owned();
                // Written after every scenario, so a killed run leaves what it ran.
                let so_far = {
                    let (report, info, reports) = (report.clone(), info.clone(), reports.clone());
                    let (catalog, rows) = (scenarios.clone(), rows.clone());
                    let (implementation, not_applicable) = (implementation.clone(), not_applicable.clone());
                    move |recorded: &crate::verdicts::Recorded| {
                        let run = TargetRun::ran(
                            spec.name,
                            implementation.clone(),
                            recorded.clone(),
                            0,
                            not_applicable.clone(),
                        )
                        .held_to(&rows);
                        write_reports(&reports, &report.with(run.clone()), &run, &catalog, &info);
                    }
                };
                let (recorded, hook_errors) =
                    run_target(spec, &available, run, settings, &features, Arc::new(so_far)).await;
                // Read after the run: some targets learn their version while they set up.
                let implementation = match target.implementation() {
                    later if later != implementation => later,
                    _ => implementation,
                };
                target.shut_down().await;
                TargetRun::ran(spec.name, implementation, recorded, hook_errors, not_applicable).held_to(&rows)
            }
            Err(err) => {
                let failed = matches!(err, StartError::Failed(_)) || settings.insists_on(spec.name);
                let reason = err.to_string();
                println!("{}: {reason}", if failed { "FAILED to start" } else { "skipped" });
                TargetRun::not_run(spec.name, NotRun { reason, failed }, applicable, not_applicable)
            }
        };
        report.add(run.clone());
        write_reports(&reports, &report, &run, &scenarios, &info);
    }

    print!("{}", report.render());
    println!("reports: {}", reports.display());
    report.succeeded()
}

/// `<target>.xml`, `report-<target>.yaml` for `run`, and `report.md` for the whole `report`.
fn write_reports(reports: &Path, report: &Report, run: &TargetRun, catalog: &[CatalogEntry], info: &RunInfo) {
    let junit = reports.join(format!("{}.xml", run.target));
    if let Err(err) = write_junit(&junit, run) {
        eprintln!("cannot write {}: {err}", junit.display());
    }
    write_yaml(reports, run, info);
    let page = reports.join("report.md");
    if let Err(err) = std::fs::write(&page, markdown(report, catalog, info)) {
        eprintln!("cannot write {}: {err}", page.display());
    }
}

/// `report-<target>.yaml`
fn write_yaml(reports: &Path, run: &TargetRun, info: &RunInfo) {
    let path = reports.join(format!("report-{}.yaml", run.target));
    let written = serde_yaml_ng::to_string(&conformance_report(run, info))
        .map_err(io::Error::other)
        .and_then(|yaml| std::fs::write(&path, yaml));
    if let Err(err) = written {
        eprintln!("cannot write {}: {err}", path.display());
    }
}

/// What a target offers, and the clients at hand on this machine.
fn available_capabilities(spec: &TargetSpec, settings: &Settings, sdk: bool) -> Vec<Capability> {
    let mut available = (spec.capabilities)(settings);
    if sdk {
        available.push(Capability::OpenAiSdk);
    }
    available
}

/// Runs the scenarios for `spec`; what was recorded, and the hook errors.
async fn run_target(
    spec: &'static TargetSpec,
    available: &[Capability],
    run: Run,
    settings: &Settings,
    features: &Path,
    so_far: crate::verdicts::OnScenario,
) -> (crate::verdicts::Recorded, usize) {
    let filter = {
        let settings = settings.clone();
        let available = available.to_vec();
        move |feature: &gherkin::Feature, rule: Option<&gherkin::Rule>, scenario: &gherkin::Scenario| {
            let tags = catalog::scenario_tags(feature, rule, scenario);
            let label = catalog::label(&feature.name, &scenario.name);
            applies(spec.name, &available, &tags).is_ok() && selected_by_user(&settings, &label, &tags)
        }
    };
    let recorder = VerdictRecorder::with_callback(so_far);
    let recorded = recorder.recorded();
    let writer = WorkshopWorld::cucumber()
        .max_concurrent_scenarios(1)
        .before(move |_, _, _, world| {
            world.start(run.clone());
            Box::pin(std::future::ready(()))
        })
        .with_writer(
            writer::Basic::raw(io::stdout(), writer::Coloring::Auto, 0)
                .summarized()
                .tee::<WorkshopWorld, _>(recorder)
                .normalized(),
        )
        .fail_on_skipped()
        .with_default_cli()
        .filter_run(features, filter)
        .await;
    let recorded = std::mem::take(&mut *recorded.lock().unwrap_or_else(|e| e.into_inner()));
    (recorded, writer.hook_errors())
}
