//! `direct`: mock-vllm in this process, no gateway; the client plays the gateway's part.

use async_trait::async_trait;
use bytes::Bytes;

use super::{Call, LocalMock, Target, TargetError, Unavailable};
use crate::client::ClientRequest;
use crate::settings::TargetName;
use crate::upstream::Upstream;
use crate::workshop::Workshop;

pub struct Direct {
    mock: LocalMock,
    api_key: String,
}

impl Direct {
    pub async fn start(workshop: &Workshop) -> Result<Self, Unavailable> {
        Ok(Direct {
            mock: LocalMock::start(workshop).await?,
            api_key: workshop.api_key.clone(),
        })
    }
}

#[async_trait]
impl Target for Direct {
    fn name(&self) -> TargetName {
        TargetName::Direct
    }

    fn upstream(&self) -> &Upstream {
        self.mock.upstream()
    }

    /// Without a gateway, the client sends the key the gateway would inject.
    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        mock_request(self.mock.upstream(), call, body).with_bearer(Some(&self.api_key))
    }

    fn mock_address(&self) -> String {
        self.mock.address()
    }

    fn gateway_address(&self) -> String {
        self.mock.address()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
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
