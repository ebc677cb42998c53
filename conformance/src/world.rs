//! The cucumber World: one scenario's view of the target, the client's exchanges, and the
//! upstream evidence they caused.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use mock_vllm::{Filter, RecordedRequest, RequestList};
use tokio::task::JoinHandle;

use crate::client::{ClientRequest, Exchange};
use crate::targets::Target;
use crate::workshop::Workshop;

/// What a cucumber run drives: the target and the workshop's settings.
#[derive(Clone)]
pub struct Run {
    pub target: Arc<dyn Target>,
    pub workshop: Workshop,
}

/// The current run, set by the runner around each cucumber run; worlds start from it.
static CURRENT: Mutex<Option<Run>> = Mutex::new(None);

pub fn set_current_run(run: Option<Run>) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = run;
}

fn current_run() -> Option<Run> {
    CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Paths the mock journals that no client of a scenario sent (kubelet probes, scrapes).
const PROBE_PATHS: [&str; 2] = ["/health", "/metrics"];

/// How long a step waits for the upstream's journal entry of a client's request.
const UPSTREAM_WAIT: Duration = Duration::from_secs(10);

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct WorkshopWorld {
    pub target: Arc<dyn Target>,
    pub workshop: Workshop,
    pub http: reqwest::Client,
    /// Every request the client sent in this scenario, with its answer.
    pub exchanges: Vec<Exchange>,
    /// The journal's newest sequence number before the client's last request.
    mark: u64,
    /// A long-poll a scenario started and has not read yet.
    pub waiter: Option<JoinHandle<Option<RequestList>>>,
}

impl fmt::Debug for WorkshopWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkshopWorld")
            .field("target", &self.target.name())
            .field("exchanges", &self.exchanges.len())
            .field("mark", &self.mark)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no target is set for this run")]
pub struct NoTarget;

impl WorkshopWorld {
    async fn new() -> Result<Self, NoTarget> {
        let Run { target, workshop } = current_run().ok_or(NoTarget)?;
        Ok(WorkshopWorld {
            workshop,
            target,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            exchanges: Vec::new(),
            mark: 0,
            waiter: None,
        })
    }

    /// Sends `request`, first noting where the journal stands so its upstream entry is found.
    pub async fn send(&mut self, request: ClientRequest) -> &Exchange {
        self.mark = self
            .target
            .upstream()
            .last()
            .await
            .expect("the mock's journal is readable")
            .map_or(0, |e| e.seq);
        let exchange = request
            .send(&self.http)
            .await
            .unwrap_or_else(|e| panic!("hop client → gateway: the request could not be sent: {e}"));
        self.exchanges.push(exchange);
        self.exchanges.last().expect("just pushed")
    }

    /// The last exchange of the scenario.
    pub fn last(&self) -> &Exchange {
        self.exchanges
            .last()
            .expect("the client has sent a request in this scenario")
    }

    /// The upstream request the client's last request caused: the first journal entry after
    /// it that is not a probe, waited for.
    pub async fn upstream_entry(&self) -> RecordedRequest {
        let filter = Filter {
            since_seq: Some(self.mark),
            ..Filter::default()
        };
        let deadline = tokio::time::Instant::now() + UPSTREAM_WAIT;
        loop {
            let list = self
                .target
                .upstream()
                .wait(&filter, 1, Duration::from_secs(2))
                .await
                .expect("the mock's journal is readable");
            if let Some(entry) = list
                .into_iter()
                .flat_map(|l| l.requests)
                .find(|e| !PROBE_PATHS.contains(&e.path.as_str()))
            {
                return std::sync::Arc::unwrap_or_clone(entry);
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "hop gateway → upstream: nothing reached the mock within {UPSTREAM_WAIT:?} after the client's request\n{}",
                    crate::hop::exchange_evidence(self.last())
                );
            }
        }
    }

    /// Puts the run's values into a step's text: `<api key>`, `<litellm master key>`,
    /// `<mock address>`, `<gateway address>`.
    pub fn expand(&self, text: &str) -> String {
        text.replace("<api key>", &self.workshop.api_key)
            .replace("<litellm master key>", crate::targets::litellm::MASTER_KEY)
            .replace("<mock address>", &self.target.mock_address())
            .replace("<gateway address>", &self.target.gateway_address())
    }

    /// Step 6's body, as the workshop's curl writes it.
    pub fn workshop_body(&self) -> Bytes {
        Bytes::from(self.workshop.embeddings_body())
    }

    /// Resets the mock to the workshop's state: the workshop's key, an empty journal.
    pub async fn reset_upstream(&mut self) {
        let upstream = self.target.upstream();
        upstream
            .set_api_keys(&[self.workshop.api_key.as_str()])
            .await
            .expect("the mock takes the workshop's key");
        upstream.clear().await.expect("the mock's journal clears");
        self.mark = 0;
    }
}
