//! `direct`: mock-vllm in this process, no gateway; the client plays the gateway's part and
//! sends the vLLM key itself.

use std::sync::Arc;

use async_trait::async_trait;

use super::local_mock::journal_access_log;
use super::{AccessRecord, Capability, Implementation, LocalMock, Starting, Target, TargetError, TargetSpec};
use crate::client::ClientRoute;
use crate::settings::Settings;
use mock_vllm::admin::AdminClient;

pub const SPEC: TargetSpec = TargetSpec {
    name: "direct",
    capabilities: |_| vec![Capability::Mock],
    start,
};

fn start(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        let target = Direct {
            mock: LocalMock::start(&settings.workshop).await?,
            api_key: settings.workshop.api_key.clone(),
        };
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

pub struct Direct {
    mock: LocalMock,
    api_key: String,
}

#[async_trait]
impl Target for Direct {
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
        self.mock.address()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        journal_access_log(self.mock.upstream()).await
    }

    fn implementation(&self) -> Implementation {
        Implementation::mock_vllm("in process")
    }
}
