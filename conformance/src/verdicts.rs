//! A cucumber writer that records each scenario's verdict, for the summary and the reports.
//!
//! cucumber's `Summarize` keeps counts but cannot wrap the JUnit writer, so this one sits beside
//! it in the tee and shares what it recorded with the runner.

use std::sync::{Arc, Mutex};

use cucumber::event::{self, Cucumber, Feature, Hook, Rule, Scenario, Step};
use cucumber::gherkin;
use cucumber::{Event, World, Writer, cli, parser, writer};

use crate::catalog::file_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Skipped,
    Failed,
}

/// One scenario's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioVerdict {
    pub feature: String,
    pub file: String,
    pub scenario: String,
    pub verdict: Verdict,
    /// Why it failed: the first failed step's error.
    pub message: Option<String>,
}

/// What a run recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub verdicts: Vec<ScenarioVerdict>,
    pub parse_errors: usize,
}

/// Called after each scenario with everything recorded so far, so reports can be written as
/// the run goes: a run that is killed still leaves what it ran.
pub type OnScenario = Arc<dyn Fn(&Recorded) + Send + Sync>;

#[derive(Clone, Default)]
pub struct VerdictRecorder {
    recorded: Arc<Mutex<Recorded>>,
    current: Option<Verdict>,
    message: Option<String>,
    on_scenario: Option<OnScenario>,
}

impl std::fmt::Debug for VerdictRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerdictRecorder")
            .field("current", &self.current)
            .finish()
    }
}

impl VerdictRecorder {
    /// A recorder that calls `on_scenario` after each scenario.
    pub fn with_callback(on_scenario: OnScenario) -> Self {
        VerdictRecorder {
            on_scenario: Some(on_scenario),
            ..VerdictRecorder::default()
        }
    }

    /// What it recorded, readable after the run while the writer is owned by cucumber.
    pub fn recorded(&self) -> Arc<Mutex<Recorded>> {
        self.recorded.clone()
    }

    fn scenario(&mut self, feature: &gherkin::Feature, scenario: &gherkin::Scenario, event: &Scenario<impl World>) {
        let worse = |current: Option<Verdict>, new: Verdict| match current {
            Some(Verdict::Failed) => Some(Verdict::Failed),
            Some(Verdict::Skipped) if new == Verdict::Passed => Some(Verdict::Skipped),
            _ => Some(new),
        };
        match event {
            Scenario::Started => {
                self.current = Some(Verdict::Passed);
                self.message = None;
            }
            Scenario::Step(gherkin_step, step) | Scenario::Background(gherkin_step, step) => match step {
                Step::Failed(_, _, _, err) => {
                    self.current = worse(self.current, Verdict::Failed);
                    if self.message.is_none() {
                        self.message = Some(format!("{} {}: {err}", gherkin_step.keyword.trim(), gherkin_step.value));
                    }
                }
                Step::Skipped => self.current = worse(self.current, Verdict::Skipped),
                _ => {}
            },
            Scenario::Hook(_, Hook::Failed(..)) => self.current = worse(self.current, Verdict::Failed),
            Scenario::Finished => {
                if let Some(verdict) = self.current.take() {
                    let snapshot = {
                        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
                        recorded.verdicts.push(ScenarioVerdict {
                            feature: feature.name.clone(),
                            file: file_name(feature),
                            scenario: scenario.name.clone(),
                            verdict,
                            message: self.message.take(),
                        });
                        self.on_scenario.as_ref().map(|_| recorded.clone())
                    };
                    if let (Some(on_scenario), Some(recorded)) = (&self.on_scenario, snapshot) {
                        on_scenario(&recorded);
                    }
                }
            }
            _ => {}
        }
    }
}

impl<W: World> Writer<W> for VerdictRecorder {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<event::Cucumber<W>>>, _: &Self::Cli) {
        let event = match event {
            Ok(event) => event,
            Err(_) => {
                self.recorded.lock().unwrap_or_else(|e| e.into_inner()).parse_errors += 1;
                return;
            }
        };
        match &event.value {
            Cucumber::Feature(feature, Feature::Scenario(scenario, ev))
            | Cucumber::Feature(feature, Feature::Rule(_, Rule::Scenario(scenario, ev))) => {
                self.scenario(feature, scenario, &ev.event)
            }
            _ => {}
        }
    }
}

impl<W: World, V> writer::Arbitrary<W, V> for VerdictRecorder {
    async fn write(&mut self, _: V) {}
}

impl<W: World> writer::Stats<W> for VerdictRecorder {
    fn passed_steps(&self) -> usize {
        0
    }
    fn skipped_steps(&self) -> usize {
        0
    }
    fn failed_steps(&self) -> usize {
        0
    }
    fn retried_steps(&self) -> usize {
        0
    }
    fn parsing_errors(&self) -> usize {
        0
    }
    fn hook_errors(&self) -> usize {
        0
    }
}
