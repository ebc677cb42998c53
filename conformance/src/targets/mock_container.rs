//! The mock-vllm image run as a container: the `container` target's mock, and the upstream of
//! a gateway that itself runs in a container (both on one Docker network, as in a cluster).

use std::time::Duration;

use super::StartError;
use super::launcher::{ContainerLaunch, Launch, Launched, Readiness, image_present};
use crate::workshop::MOCK_PORT;
use mock_vllm::admin::AdminClient;

pub struct MockContainer {
    launched: Launched,
    upstream: AdminClient,
}

impl MockContainer {
    /// Runs `image` requiring `api_key`; on `network`, reachable by others as `name:8000`.
    /// A missing image is [`StartError::Absent`] unless `insist`.
    pub async fn start(
        image: &str,
        api_key: &str,
        network: Option<(String, Option<String>)>,
        insist: bool,
    ) -> Result<Self, StartError> {
        let absent = |reason: String| {
            if insist {
                StartError::Failed(reason)
            } else {
                StartError::Absent(reason)
            }
        };
        match image_present(image).await {
            Some(true) => {}
            Some(false) => {
                return Err(absent(format!(
                    "image {image} not found (build it: docker build -t {image} -f mock-server/Dockerfile .)"
                )));
            }
            None => {
                return Err(absent(
                    "no Docker (docker is missing or its daemon does not answer)".to_owned(),
                ));
            }
        }
        let mut cmd = vec!["--api-key".to_owned(), api_key.to_owned()];
        if let Some((_, Some(name))) = &network {
            // Named on its network, it answers by that name too (x-mock-vllm-instance).
            cmd.extend(["--instance-id".to_owned(), name.clone()]);
        }
        let launch = Launch::Container(ContainerLaunch {
            image: image.to_owned(),
            cmd,
            port: MOCK_PORT,
            network: network.as_ref().map(|(network, _)| network.clone()),
            name: network.and_then(|(_, name)| name),
            ..ContainerLaunch::default()
        });
        let readiness = Readiness {
            path: "/health".into(),
            ready: |status| status == 200,
            timeout: Duration::from_secs(30),
        };
        let launched = Launched::start("the mock-vllm container", launch, readiness).await?;
        Ok(MockContainer {
            upstream: AdminClient::new(format!("http://{}", launched.address())).with_api_key(api_key.to_owned()),
            launched,
        })
    }

    pub fn upstream(&self) -> &AdminClient {
        &self.upstream
    }

    /// `127.0.0.1:<published port>`
    pub fn address(&self) -> &str {
        self.launched.address()
    }

    /// Its stdout so far: the workshop's blocks.
    pub fn log(&self) -> String {
        self.launched.log().text()
    }

    pub async fn stop(&self) {
        self.launched.stop().await;
    }
}
