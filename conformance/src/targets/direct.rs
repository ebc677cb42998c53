//! `direct`: mock-vllm in this process, no gateway; the client plays the gateway's part.

use async_trait::async_trait;
use bytes::Bytes;

use super::{Call, LogCapture, Target, TargetError, Unavailable, local_mock};
use crate::client::ClientRequest;
use crate::settings::TargetName;
use crate::upstream::Upstream;
use crate::workshop::Workshop;

pub struct Direct {
    server: mock_vllm::MockServer,
    log: LogCapture,
    upstream: Upstream,
    api_key: String,
}

impl Direct {
    pub async fn start(workshop: &Workshop) -> Result<Self, Unavailable> {
        let (server, log) = local_mock(workshop).await?;
        let upstream = Upstream::new(server.uri());
        Ok(Direct {
            server,
            log,
            upstream,
            api_key: workshop.api_key.clone(),
        })
    }
}

#[async_trait]
impl Target for Direct {
    fn name(&self) -> TargetName {
        TargetName::Direct
    }

    async fn deploy_mock(&self) -> Result<(), TargetError> {
        Ok(())
    }

    async fn set_up(&self) -> Result<(), TargetError> {
        Ok(())
    }

    fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// Without a gateway, the client sends the key the gateway would inject.
    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        mock_request(&self.upstream, call, body).with_bearer(Some(&self.api_key))
    }

    fn mock_address(&self) -> String {
        self.server.addr().to_string()
    }

    fn gateway_address(&self) -> String {
        self.mock_address()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.log.text())
    }
}

/// A request straight to the mock's OpenAI path.
pub fn mock_request(upstream: &Upstream, call: Call, body: Option<Bytes>) -> ClientRequest {
    let url = format!("{}{}", upstream.base(), call.api_path());
    match body {
        Some(body) => ClientRequest::post_json(url, body),
        None => ClientRequest::get(url),
    }
}
