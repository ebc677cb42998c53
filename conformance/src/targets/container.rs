//! `container`: the mock-vllm image run through testcontainers; no gateway.
//!
//! Reads `CONFORMANCE_MOCK_IMAGE` (default `mock-vllm:dev`, built by
//! `docker build -t mock-vllm:dev -f mock-server/Dockerfile .`). Without Docker or the image it is skipped, unless the run
//! insists on it.

use std::sync::Arc;

use async_trait::async_trait;

use super::local_mock::journal_access_log;
use super::{AccessRecord, Capability, Implementation, MockContainer, Starting, Target, TargetError, TargetSpec};
use crate::client::ClientRoute;
use crate::settings::Settings;
use mock_vllm::admin::AdminClient;

pub const SPEC: TargetSpec = TargetSpec {
    name: "container",
    capabilities: |_| vec![Capability::Mock],
    start,
};

fn start(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        // A named image is something the user pointed at.
        let insist = settings.env.get("CONFORMANCE_MOCK_IMAGE").is_some();
        let mock = MockContainer::start(&settings.mock_image, &settings.workshop.api_key, None, insist).await?;
        let target = Container {
            mock,
            api_key: settings.workshop.api_key.clone(),
            image: settings.mock_image.clone(),
        };
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

pub struct Container {
    mock: MockContainer,
    api_key: String,
    image: String,
}

#[async_trait]
impl Target for Container {
    fn name(&self) -> &'static str {
        SPEC.name
    }

    fn upstream(&self) -> &AdminClient {
        self.mock.upstream()
    }

    fn route(&self) -> ClientRoute {
        ClientRoute::openai(self.mock.upstream().base(), Some(self.api_key.clone()))
    }

    fn mock_address(&self) -> String {
        self.mock.address().to_owned()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        journal_access_log(self.mock.upstream()).await
    }

    fn implementation(&self) -> Implementation {
        Implementation::mock_vllm(&format!("image {}", self.image))
    }

    async fn shut_down(&self) {
        self.mock.stop().await;
    }
}
