//! The one target every local gateway runs as: two vLLM replicas, the gateway started in
//! front of them with the config its [`Gateway`] plans, its log kept for the client's hop.
//!
//! It owns what used to be written once per gateway (the temporary folder, the replicas, the
//! process, stopping them), as wiremock's one `MockServer` owns its mocks; the gateway's file
//! says only what differs.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use super::gateway::{Gateway, Placement, Plan};
use super::launcher::{Launch, Launched};
use super::{
    AccessRecord, Configured, Implementation, LocalMock, MockContainer, ModelEntries, REPLICA_INSTANCE, StartError,
    Starting, Target, TargetError, TargetSpec, free_port,
};
use crate::client::{Call, ClientRequest, ClientRoute};
use crate::settings::Settings;
use crate::upstream::Upstream;
use crate::workshop::MOCK_PORT;

/// The registry's entry for gateway `G`.
pub const fn spec<G: Gateway>() -> TargetSpec {
    TargetSpec {
        name: G::NAME,
        capabilities: G::capabilities,
        start: start::<G>,
    }
}

fn start<G: Gateway>(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        let gateway = G::find(settings)?;
        let target = LocalGateway::start(gateway, settings).await?;
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

/// One vLLM replica: in this process beside a local binary, a container beside an image.
enum Vllm {
    InProcess { mock: LocalMock, host: &'static str },
    Container { mock: Box<MockContainer>, name: String },
}

impl Vllm {
    async fn start(settings: &Settings, placement: &Placement, instance: Option<&str>) -> Result<Self, StartError> {
        match placement {
            Placement::InProcess { host } => Ok(Vllm::InProcess {
                mock: LocalMock::start_as(&settings.workshop, instance).await?,
                host,
            }),
            Placement::Containers => {
                let name = format!("{}-{}", network_name(), instance.unwrap_or("mock-vllm"));
                let network = Some((network_name(), Some(name.clone())));
                let mock =
                    MockContainer::start(&settings.mock_image, &settings.workshop.api_key, network, true).await?;
                Ok(Vllm::Container {
                    mock: Box::new(mock),
                    name,
                })
            }
        }
    }

    fn upstream(&self) -> &Upstream {
        match self {
            Vllm::InProcess { mock, .. } => mock.upstream(),
            Vllm::Container { mock, .. } => mock.upstream(),
        }
    }

    /// `host:port` as the gateway is told it.
    fn address(&self) -> String {
        match self {
            Vllm::InProcess { mock, host } => format!("{host}:{}", mock.port()),
            Vllm::Container { name, .. } => format!("{name}:{MOCK_PORT}"),
        }
    }

    fn log(&self) -> String {
        match self {
            Vllm::InProcess { mock, .. } => mock.log(),
            Vllm::Container { mock, .. } => mock.log(),
        }
    }

    async fn stop(&self) {
        if let Vllm::Container { mock, .. } = self {
            mock.stop().await;
        }
    }
}

/// The Docker network of this run's containers.
fn network_name() -> String {
    format!("conformance-{}", std::process::id())
}

pub struct LocalGateway<G: Gateway> {
    gateway: G,
    vllm: Vllm,
    /// The second replica: the failover's, a second worker.
    replica: Vllm,
    /// The running gateway; started again for each scenario where it asks to be.
    launched: tokio::sync::RwLock<Launched>,
    /// Where it listens, the same across restarts.
    address: String,
    /// What started it, to start it again.
    launch: Launch,
    version: Option<String>,
    _dir: tempfile::TempDir,
}

impl<G: Gateway> LocalGateway<G> {
    async fn start(gateway: G, settings: &Settings) -> Result<Self, StartError> {
        let failed =
            |what: &str, err: &dyn std::fmt::Display| StartError::Failed(format!("{}: {what}: {err}", G::NAME));
        let placement = gateway.placement();
        let vllm = Vllm::start(settings, &placement, None).await?;
        let replica = match Vllm::start(settings, &placement, Some(REPLICA_INSTANCE)).await {
            Ok(replica) => replica,
            Err(err) => {
                vllm.stop().await;
                return Err(err);
            }
        };
        let stop_replicas = async || {
            vllm.stop().await;
            replica.stop().await;
        };
        let planned = async {
            let dir = tempfile::tempdir().map_err(|e| failed("no temporary folder", &e))?;
            let plan = Plan {
                workshop: &settings.workshop,
                vllm: vllm.address(),
                replica: replica.address(),
                port: free_port()?,
                network: matches!(placement, Placement::Containers).then(network_name),
                dir: dir.path(),
            };
            let launch = gateway
                .launch(&plan)
                .map_err(|e| failed("cannot plan its launch", &e))?;
            let launched = Launched::start(G::NAME, launch.clone(), gateway.readiness()).await?;
            Ok::<_, StartError>((dir, launch, launched))
        };
        let (dir, launch, launched) = match planned.await {
            Ok(started) => started,
            Err(err) => {
                stop_replicas().await;
                return Err(err);
            }
        };
        let address = launched.address().to_owned();
        let version = gateway.version(&address).await;
        Ok(LocalGateway {
            gateway,
            vllm,
            replica,
            launched: tokio::sync::RwLock::new(launched),
            address,
            launch,
            version,
            _dir: dir,
        })
    }
}

#[async_trait]
impl<G: Gateway> Target for LocalGateway<G> {
    fn name(&self) -> &'static str {
        G::NAME
    }

    fn rows(&self) -> &str {
        self.gateway.rows()
    }

    /// Ready when it started; started again where it keeps state between requests.
    async fn set_up(&self) -> Result<(), TargetError> {
        if G::FRESH_PER_SCENARIO {
            let mut launched = self.launched.write().await;
            launched.stop().await;
            *launched = Launched::start(G::NAME, self.launch.clone(), self.gateway.readiness())
                .await
                .map_err(|e| TargetError::SetUp(format!("{} did not start again: {e}", G::NAME)))?;
        }
        Ok(())
    }

    fn upstream(&self) -> &Upstream {
        self.vllm.upstream()
    }

    fn route(&self) -> ClientRoute {
        self.gateway.route(&self.address)
    }

    fn mock_address(&self) -> String {
        self.vllm.address()
    }

    fn placeholders(&self) -> Vec<(&'static str, String)> {
        self.gateway.placeholders()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.vllm.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        let log = self.launched.read().await.log().text();
        Ok(log.lines().filter_map(|line| self.gateway.access_line(line)).collect())
    }

    fn implementation(&self) -> Implementation {
        Implementation::new(
            self.gateway.implementation(),
            self.version.as_deref().unwrap_or("version not reported"),
        )
    }

    /// A gateway with model names of its own has entries to address.
    fn model_entries(&self) -> Option<&dyn ModelEntries> {
        self.route().model_name.is_some().then_some(self as &dyn ModelEntries)
    }

    fn configured_request(&self, behaviour: Configured, body: Bytes) -> Option<ClientRequest> {
        let route = self.gateway.configured()?.route(behaviour).apply(self.route());
        Some(route.request(Call::Embeddings, Some(body)))
    }

    fn replica(&self) -> Option<&Upstream> {
        Some(self.replica.upstream())
    }

    async fn shut_down(&self) {
        self.launched.read().await.stop().await;
        self.vllm.stop().await;
        self.replica.stop().await;
    }
}

impl<G: Gateway> ModelEntries for LocalGateway<G> {
    fn request_for_model(&self, model_name: &str, body: Bytes) -> ClientRequest {
        let route = ClientRoute {
            model_name: Some(model_name.to_owned()),
            ..self.route()
        };
        route.request(Call::Embeddings, Some(body))
    }
}
