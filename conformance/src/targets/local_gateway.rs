//! The one target every local gateway runs as: two vLLM replicas, the gateway started in
//! front of them with the config its [`Gateway`] plans, its log kept for the client's hop.
//!
//! It owns what used to be written once per gateway (the temporary folder, the replicas, the
//! process, stopping them), as wiremock's one `MockServer` owns its mocks; the gateway's file
//! says only what differs.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use super::gateway::{Gateway, Placement, Plan, RouteTo};
use super::launcher::Launched;
use super::{
    AccessRecord, Configured, Implementation, LocalMock, MockContainer, ModelEntries, REPLICA_INSTANCE, StartError,
    Starting, Target, TargetError, TargetSpec, free_port,
};
use crate::client::{Call, ClientRequest, ClientRoute};
use crate::settings::Settings;
use crate::workshop::{MOCK_PORT, Workshop};
use mock_vllm::admin::AdminClient;

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

    fn upstream(&self) -> &AdminClient {
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
    site: Site,
    /// The running gateway; started again for each scenario where it asks to be, and for a
    /// configured behaviour it takes as flags.
    running: tokio::sync::RwLock<Running>,
    /// Where it listens, the same across restarts.
    address: String,
    version: Option<String>,
}

/// What a gateway's launch is planned from: the same for every start of it.
struct Site {
    workshop: Workshop,
    vllm: Vllm,
    /// The second replica: the failover's, a second worker.
    replica: Vllm,
    port: u16,
    network: Option<String>,
    dir: tempfile::TempDir,
}

impl Site {
    fn plan(&self, configured: Option<Configured>) -> Plan<'_> {
        Plan {
            workshop: &self.workshop,
            vllm: self.vllm.address(),
            replica: self.replica.address(),
            port: self.port,
            network: self.network.clone(),
            configured,
            dir: self.dir.path(),
        }
    }

    /// Plans `gateway`'s launch (for the workshop, or for a `configured` behaviour), starts
    /// it, and waits until it is ready.
    async fn launch<G: Gateway>(&self, gateway: &G, configured: Option<Configured>) -> Result<Running, StartError> {
        let launch = gateway
            .launch(&self.plan(configured))
            .map_err(|e| StartError::Failed(format!("{}: cannot plan its launch: {e}", G::NAME)))?;
        let launched = Launched::start(G::NAME, launch, gateway.readiness()).await?;
        Ok(Running { launched, configured })
    }

    async fn stop(&self) {
        self.vllm.stop().await;
        self.replica.stop().await;
    }
}

/// The gateway as it runs now.
struct Running {
    launched: Launched,
    /// The behaviour it was started again for ([`super::gateway::RouteTo::Restart`]); `None`
    /// when it runs the workshop's config.
    configured: Option<Configured>,
}

impl<G: Gateway> LocalGateway<G> {
    async fn start(gateway: G, settings: &Settings) -> Result<Self, StartError> {
        // What needs no stopping first, so that only the replicas are cleaned up on failure.
        let dir =
            tempfile::tempdir().map_err(|e| StartError::Failed(format!("{}: no temporary folder: {e}", G::NAME)))?;
        let port = free_port()?;
        let placement = gateway.placement();
        let vllm = Vllm::start(settings, &placement, None).await?;
        let replica = match Vllm::start(settings, &placement, Some(REPLICA_INSTANCE)).await {
            Ok(replica) => replica,
            Err(err) => {
                vllm.stop().await;
                return Err(err);
            }
        };
        let site = Site {
            workshop: settings.workshop.clone(),
            vllm,
            replica,
            port,
            network: matches!(placement, Placement::Containers).then(network_name),
            dir,
        };
        let running = match site.launch(&gateway, None).await {
            Ok(running) => running,
            Err(err) => {
                site.stop().await;
                return Err(err);
            }
        };
        let address = running.launched.address().to_owned();
        let version = gateway.version(&address).await;
        Ok(LocalGateway {
            gateway,
            site,
            running: tokio::sync::RwLock::new(running),
            address,
            version,
        })
    }

    /// Starts the gateway again, for the workshop or for `configured`.
    async fn restart(&self, running: &mut Running, configured: Option<Configured>) -> Result<(), TargetError> {
        running.launched.stop().await;
        *running = self
            .site
            .launch(&self.gateway, configured)
            .await
            .map_err(TargetError::Restart)?;
        Ok(())
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

    /// Ready when it started; started again where it keeps state between requests, or was
    /// started with a configured behaviour's flags in the scenario before.
    async fn set_up(&self) -> Result<(), TargetError> {
        let mut running = self.running.write().await;
        if G::FRESH_PER_SCENARIO || running.configured.is_some() {
            self.restart(&mut running, None).await?;
        }
        Ok(())
    }

    fn upstream(&self) -> &AdminClient {
        self.site.vllm.upstream()
    }

    fn route(&self) -> ClientRoute {
        self.gateway.route(&self.address)
    }

    fn mock_address(&self) -> String {
        self.site.vllm.address()
    }

    fn placeholders(&self) -> Vec<(&'static str, String)> {
        self.gateway.placeholders()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.site.vllm.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        let log = self.running.read().await.launched.log().text();
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

    async fn configured_route(&self, behaviour: Configured) -> Result<Option<ClientRoute>, TargetError> {
        let Some(routes) = self.gateway.configured() else {
            return Ok(None);
        };
        let Some(to) = routes.route(behaviour) else {
            return Ok(None);
        };
        if to == RouteTo::Restart {
            let mut running = self.running.write().await;
            if running.configured != Some(behaviour) {
                self.restart(&mut running, Some(behaviour)).await?;
            }
        }
        Ok(Some(to.apply(self.route())))
    }

    fn replica(&self) -> Option<&AdminClient> {
        Some(self.site.replica.upstream())
    }

    async fn shut_down(&self) {
        self.running.read().await.launched.stop().await;
        self.site.stop().await;
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
