//! A cucumber writer that only counts scenarios as passed, failed or skipped.
//!
//! cucumber's `Summarize` keeps such counts but cannot wrap the JUnit writer, so this one sits
//! beside it in the tee and shares its counts with the runner.

use std::sync::{Arc, Mutex};

use cucumber::event::{self, Cucumber, Feature, Hook, Rule, Scenario, Step};
use cucumber::{Event, World, Writer, cli, parser, writer};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub parse_errors: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Default)]
pub struct ScenarioCounter {
    counts: Arc<Mutex<Counts>>,
    current: Option<Verdict>,
}

impl ScenarioCounter {
    /// The counts, readable after the run while the writer is owned by cucumber.
    pub fn counts(&self) -> Arc<Mutex<Counts>> {
        self.counts.clone()
    }

    fn scenario(&mut self, event: &Scenario<impl World>) {
        let worse = |current: Option<Verdict>, new: Verdict| match current {
            Some(Verdict::Failed) => Some(Verdict::Failed),
            Some(Verdict::Skipped) if new == Verdict::Passed => Some(Verdict::Skipped),
            _ => Some(new),
        };
        match event {
            Scenario::Started => self.current = Some(Verdict::Passed),
            Scenario::Step(_, step) | Scenario::Background(_, step) => match step {
                Step::Failed(..) => self.current = worse(self.current, Verdict::Failed),
                Step::Skipped => self.current = worse(self.current, Verdict::Skipped),
                _ => {}
            },
            Scenario::Hook(_, Hook::Failed(..)) => self.current = worse(self.current, Verdict::Failed),
            Scenario::Finished => {
                let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
                match self.current.take() {
                    Some(Verdict::Passed) => counts.passed += 1,
                    Some(Verdict::Skipped) => counts.skipped += 1,
                    Some(Verdict::Failed) => counts.failed += 1,
                    None => {}
                }
            }
            _ => {}
        }
    }
}

impl<W: World> Writer<W> for ScenarioCounter {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<event::Cucumber<W>>>, _: &Self::Cli) {
        let event = match event {
            Ok(event) => event,
            Err(_) => {
                self.counts.lock().unwrap_or_else(|e| e.into_inner()).parse_errors += 1;
                return;
            }
        };
        match &event.value {
            Cucumber::Feature(_, Feature::Scenario(_, scenario))
            | Cucumber::Feature(_, Feature::Rule(_, Rule::Scenario(_, scenario))) => self.scenario(&scenario.event),
            _ => {}
        }
    }
}

impl<W: World, V> writer::Arbitrary<W, V> for ScenarioCounter {
    async fn write(&mut self, _: V) {}
}

impl<W: World> writer::Stats<W> for ScenarioCounter {
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
