//! mock-vllm in this process, its log captured: the upstream of every target that runs its
//! gateway (or none) on this machine.

use super::{AccessRecord, LogCapture, StartError, TargetError};
use crate::workshop::Workshop;
use mock_vllm::admin::AdminClient;

pub struct LocalMock {
    server: mock_vllm::MockServer,
    log: LogCapture,
    upstream: AdminClient,
}

impl LocalMock {
    /// Starts on a free loopback port, requiring the workshop's key as a vLLM server would.
    pub async fn start(workshop: &Workshop) -> Result<Self, StartError> {
        Self::start_as(workshop, None).await
    }

    /// As [`LocalMock::start`], named `instance` in its journal and answers (a replica).
    pub async fn start_as(workshop: &Workshop, instance: Option<&str>) -> Result<Self, StartError> {
        let log = LogCapture::default();
        let config = mock_vllm::Config {
            log_format: mock_vllm::config::LogFormat::Text,
            api_keys: vec![workshop.api_key.clone()],
            instance_id: instance.map(str::to_owned),
            ..mock_vllm::Config::ephemeral()
        };
        let server = mock_vllm::MockServer::start_with_log(config, Box::new(log.clone()))
            .await
            .map_err(|e| StartError::Failed(format!("cannot start the mock: {e}")))?;
        Ok(LocalMock {
            upstream: AdminClient::new(server.uri()).with_api_key(workshop.api_key.clone()),
            server,
            log,
        })
    }

    pub fn upstream(&self) -> &AdminClient {
        &self.upstream
    }

    /// `127.0.0.1:<port>`
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// Its log block so far.
    pub fn log(&self) -> String {
        self.log.text()
    }
}

/// The client's hop where the client talks to the mock itself: the mock's journal.
pub async fn journal_access_log(upstream: &AdminClient) -> Result<Vec<AccessRecord>, TargetError> {
    let list = upstream.requests(&mock_vllm::Filter::default()).await?;
    Ok(list.requests.iter().map(|e| AccessRecord::from_journal(e)).collect())
}
