//! `container`: the mock-vllm image run through testcontainers; no gateway.

use async_trait::async_trait;
use bytes::Bytes;
use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio::sync::Mutex;

use super::direct::mock_request;
use super::{Call, Target, TargetError, Unavailable};
use crate::client::ClientRequest;
use crate::settings::{Settings, TargetName};
use crate::upstream::Upstream;

pub struct Container {
    container: Mutex<Option<ContainerAsync<GenericImage>>>,
    address: String,
    upstream: Upstream,
    api_key: String,
}

impl Container {
    pub async fn start(settings: &Settings) -> Result<Self, Unavailable> {
        let image = &settings.mock_image;
        match image_present(image).await {
            Some(true) => {}
            Some(false) => {
                return Err(Unavailable(format!(
                    "image {image} not found (build it with mock-server/build-image.sh)"
                )));
            }
            None => return Err(Unavailable("no Docker (the docker command is not on PATH)".to_owned())),
        }
        let (name, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
        let container = GenericImage::new(name, tag)
            .with_exposed_port(ContainerPort::Tcp(crate::workshop::MOCK_PORT))
            .with_wait_for(WaitFor::message_on_stdout("Mock vLLM server listening"))
            .with_cmd(["--api-key", settings.workshop.api_key.as_str()])
            .start()
            .await
            .map_err(|e| Unavailable(format!("cannot run {image}: {e}")))?;
        let port = container
            .get_host_port_ipv4(crate::workshop::MOCK_PORT)
            .await
            .map_err(|e| Unavailable(format!("no port mapped for {image}: {e}")))?;
        let address = format!("127.0.0.1:{port}");
        Ok(Container {
            container: Mutex::new(Some(container)),
            upstream: Upstream::new(format!("http://{address}")),
            address,
            api_key: settings.workshop.api_key.clone(),
        })
    }
}

/// Whether the Docker daemon has `image` locally (nothing can be pulled on every machine);
/// `None` without a docker command.
async fn image_present(image: &str) -> Option<bool> {
    tokio::process::Command::new("docker")
        .args(["image", "inspect", image])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .ok()
        .map(|status| status.success())
}

#[async_trait]
impl Target for Container {
    fn name(&self) -> TargetName {
        TargetName::Container
    }

    fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        mock_request(&self.upstream, call, body).with_bearer(Some(&self.api_key))
    }

    fn mock_address(&self) -> String {
        self.address.clone()
    }

    fn gateway_address(&self) -> String {
        self.address.clone()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        let guard = self.container.lock().await;
        let container = guard.as_ref().ok_or(TargetError::NotSupported("running container"))?;
        let stdout = container
            .stdout_to_vec()
            .await
            .map_err(|e| TargetError::Container(format!("cannot read the container's log: {e}")))?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    async fn shut_down(&self) {
        if let Some(container) = self.container.lock().await.take() {
            let _ = container.rm().await;
        }
    }
}
