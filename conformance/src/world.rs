//! The cucumber World: one scenario's view of the target, the client's exchanges, and the
//! evidence they left on each hop.
//!
//! The runner's `before` hook hands each scenario its [`Run`]; steps reach the target through
//! [`WorkshopWorld::target`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mock_vllm::admin::Rule;
use mock_vllm::{Filter, RecordedRequest, RequestList};
use tokio::task::JoinHandle;

use crate::client::{ClientRequest, Exchange};
use crate::hop;
use crate::poll::poll;
use crate::sdk::{EmbeddingsCall, OpenAiSdk};
use crate::spread::Cost;
use crate::targets::{AccessRecord, Target};
use crate::workshop::Workshop;

/// What a cucumber run drives: the target, the workshop's settings, the clients at hand.
#[derive(Clone)]
pub struct Run {
    pub target: Arc<dyn Target>,
    pub workshop: Workshop,
    pub sdk: Option<OpenAiSdk>,
}

/// Paths the mock journals that no client of a scenario sent (kubelet probes, scrapes).
const PROBE_PATHS: [&str; 2] = [crate::workshop::HEALTH_PATH, "/metrics"];

/// How long a step waits for the evidence of a client's request to show up: the upstream's
/// journal entry, the gateway's access line.
const EVIDENCE_WAIT: Duration = Duration::from_secs(10);

/// The key a client presents as its own where the target does not give it one.
pub const CLIENT_OWN_KEY: &str = "sk-client-own-key";

/// Where each record stood before the client's last request, so its own evidence is found.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    /// The journal's newest sequence number.
    journal: u64,
    /// How many access records the gateway had logged.
    access: usize,
}

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct WorkshopWorld {
    run: Option<Run>,
    pub http: reqwest::Client,
    /// Every request the client sent in this scenario, with its answer.
    pub exchanges: Vec<Exchange>,
    marks: Marks,
    /// A long-poll a scenario started and has not read yet.
    pub waiter: Option<JoinHandle<Option<RequestList>>>,
    /// When each chunk of the last streamed answer arrived, from when it was sent.
    pub chunk_arrivals: Vec<Duration>,
    /// What each of the client's requests on a configured route cost vLLM's two replicas.
    pub costs: Vec<Cost>,
    /// A mock this scenario started here with its own flags (a model profile, a tokenizer),
    /// which the mock's steps then talk to instead of the target's.
    pub own_mock: Option<mock_vllm::MockServer>,
}

impl fmt::Debug for WorkshopWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkshopWorld")
            .field("target", &self.run.as_ref().map(|r| r.target.name()))
            .field("exchanges", &self.exchanges.len())
            .field("marks", &self.marks)
            .finish()
    }
}

impl WorkshopWorld {
    async fn new() -> Result<Self, reqwest::Error> {
        Ok(WorkshopWorld {
            run: None,
            http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?,
            exchanges: Vec::new(),
            marks: Marks::default(),
            waiter: None,
            chunk_arrivals: Vec::new(),
            costs: Vec::new(),
            own_mock: None,
        })
    }

    /// Called by the runner's `before` hook.
    pub fn start(&mut self, run: Run) {
        self.run = Some(run);
    }

    fn run(&self) -> &Run {
        self.run.as_ref().expect("the runner's before hook sets the run")
    }

    pub fn target(&self) -> &dyn Target {
        self.run().target.as_ref()
    }

    /// The URL of the mock the client talks to in the mock's own scenarios: the scenario's
    /// own, if it started one, else the target's.
    pub fn mock_base(&self) -> String {
        match &self.own_mock {
            Some(mock) => mock.uri(),
            None => self.target().upstream().base().to_owned(),
        }
    }

    /// Gives the target's vLLM a rule (`POST /_mock/rules`) for the rest of the scenario.
    pub async fn add_upstream_rule(&self, rule: Rule) {
        self.target()
            .upstream()
            .add_rule(&rule)
            .await
            .expect("the mock takes the rule");
    }

    pub fn workshop(&self) -> &Workshop {
        &self.run().workshop
    }

    /// Notes where the journal and the access log stand, before the client sends.
    async fn mark(&mut self) {
        let target = self.target();
        let journal = target
            .upstream()
            .last()
            .await
            .expect("the mock's journal is readable")
            .map_or(0, |e| e.seq);
        let access = target
            .access_log()
            .await
            .expect("the gateway's access log is readable")
            .len();
        self.marks = Marks { journal, access };
    }

    /// Sends `request` with reqwest, as the workshop's curl does.
    pub async fn send(&mut self, request: ClientRequest) -> &Exchange {
        self.mark().await;
        let exchange = request.send(&self.http).await;
        self.exchanges.push(exchange);
        self.last()
    }

    /// Sends `requests` at once, as concurrent clients; their exchanges in the order given.
    pub async fn send_together(&mut self, requests: Vec<ClientRequest>) {
        self.mark().await;
        let http = self.http.clone();
        let sends = requests.into_iter().map(|request| request.send(&http));
        self.exchanges.extend(futures::future::join_all(sends).await);
    }

    /// Sends `request` and reads its streamed answer chunk by chunk, noting when each came;
    /// with `hang_up_after`, the client leaves after that many chunks; a request that gives up
    /// after a time (`giving_up_after`) leaves when it has passed, mid-stream too.
    pub async fn stream(&mut self, request: ClientRequest, hang_up_after: Option<usize>) {
        self.mark().await;
        let started = tokio::time::Instant::now();
        self.chunk_arrivals.clear();
        let mut response = match request.builder(&self.http).send().await {
            Ok(response) => response,
            Err(err) => {
                self.exchanges.push(Exchange::no_answer(request, &err));
                return;
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while hang_up_after.is_none_or(|n| self.chunk_arrivals.len() < n) {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    self.chunk_arrivals.push(started.elapsed());
                    body.extend_from_slice(&chunk);
                }
                Ok(None) | Err(_) => break,
            }
        }
        drop(response);
        self.exchanges.push(Exchange {
            request,
            status,
            headers,
            body: body.into(),
        });
    }

    /// Step 6 through the OpenAI Python SDK, with `base_url` the target's route.
    pub async fn send_with_sdk(&mut self, input: &str) -> &Exchange {
        self.mark().await;
        let run = self.run().clone();
        let sdk = run.sdk.as_ref().expect("an @openai-sdk scenario runs where the SDK is");
        let route = run.target.route();
        let model = route
            .model_name
            .clone()
            .unwrap_or_else(|| crate::workshop::MODEL.to_owned());
        let base_url = route.sdk_base_url();
        let api_key = route.key.clone().unwrap_or_else(|| CLIENT_OWN_KEY.to_owned());
        let call = EmbeddingsCall {
            base_url: &base_url,
            api_key: &api_key,
            model: &model,
            input,
        };
        let exchange = sdk
            .embeddings(&call)
            .await
            .unwrap_or_else(|e| panic!("hop client → gateway: the OpenAI SDK could not send: {e}"));
        self.exchanges.push(exchange);
        self.last()
    }

    /// The journal's newest sequence number before the client's last request.
    pub fn journal_mark(&self) -> u64 {
        self.marks.journal
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
            since_seq: Some(self.marks.journal),
            ..Filter::default()
        };
        let found = poll(EVIDENCE_WAIT, Duration::ZERO, || async {
            let list = self
                .target()
                .upstream()
                .wait(&filter, 1, Duration::from_secs(2))
                .await
                .expect("the mock's journal is readable");
            list.into_iter()
                .flat_map(|l| l.requests)
                .find(|e| !PROBE_PATHS.contains(&e.path.as_str()))
        })
        .await;
        match found {
            Some(entry) => Arc::unwrap_or_clone(entry),
            None => panic!(
                "hop gateway → upstream: nothing reached the mock within {EVIDENCE_WAIT:?} after the client's request\n{}",
                hop::exchange_evidence(self.last())
            ),
        }
    }

    /// The gateway's access record of the client's last request: the first one after it,
    /// waited for (a gateway may write its line after it answered).
    pub async fn access_record(&self) -> AccessRecord {
        let found = poll(EVIDENCE_WAIT, Duration::from_millis(50), || async {
            let records = self
                .target()
                .access_log()
                .await
                .expect("the gateway's access log is readable");
            records.into_iter().nth(self.marks.access)
        })
        .await;
        found.unwrap_or_else(|| {
            panic!(
                "hop client → gateway: the gateway logged no request within {EVIDENCE_WAIT:?} after the client's\n{}",
                hop::exchange_evidence(self.last())
            )
        })
    }

    /// Puts the run's values into a step's text: the target's own placeholders, then
    /// `<api key>`, `<client key>`, `<namespace>`, `<mock address>` (`host:port`), `<mock host>`,
    /// `<gateway address>`.
    pub fn expand(&self, text: &str) -> String {
        let target = self.target();
        let route = target.route();
        let mock_address = target.mock_address();
        let mock_host = mock_address
            .rsplit_once(':')
            .map_or(mock_address.as_str(), |(host, _)| host);
        let mut text = text.to_owned();
        for (placeholder, value) in target.placeholders() {
            text = text.replace(placeholder, &value);
        }
        text.replace("<api key>", &self.workshop().api_key)
            .replace("<client key>", CLIENT_OWN_KEY)
            .replace("<namespace>", &self.workshop().namespace)
            .replace("<mock address>", &mock_address)
            .replace("<mock host>", mock_host)
            .replace("<gateway address>", route.address())
    }

    /// Step 6's body, as the workshop's curl writes it.
    pub fn workshop_body(&self) -> Bytes {
        Bytes::from(self.workshop().embeddings_body())
    }

    /// Resets the mock to the workshop's state: the workshop's key, no rules or timing, an
    /// empty journal.
    pub async fn reset_upstream(&mut self) {
        let target = self.target();
        for upstream in std::iter::once(target.upstream()).chain(target.replica()) {
            upstream
                .set_api_keys([self.workshop().api_key.as_str()])
                .await
                .expect("the mock takes the workshop's key");
            upstream.reset_conditions().await.expect("the mock's conditions reset");
            upstream.clear().await.expect("the mock's journal clears");
        }
    }
}
