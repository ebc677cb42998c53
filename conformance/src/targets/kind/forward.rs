//! A local port for the port of whichever pod a label selector picks, through the Kubernetes
//! API's port-forward.
//!
//! kube-rs hands out one stream per forward; HTTP clients want a TCP address. So we listen on
//! loopback and, per accepted connection, look up a running pod and forward to it, as
//! `kubectl port-forward` does. Looking the pod up per connection keeps the address valid when
//! the pod is replaced (a rollout, or Cleanup followed by Step 1 again).

use std::net::SocketAddr;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::api::{KubeError, running_pod};

pub struct Forward {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Forward {
    pub async fn start(pods: Api<Pod>, selector: String, port: u16) -> Result<Self, KubeError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| KubeError::Forward(e.to_string()))?;
        let addr = listener.local_addr().map_err(|e| KubeError::Forward(e.to_string()))?;
        let task = tokio::spawn(async move {
            while let Ok((mut connection, _)) = listener.accept().await {
                let pods = pods.clone();
                let selector = selector.clone();
                tokio::spawn(async move {
                    let Ok(pod) = running_pod(&pods, &selector).await else {
                        return;
                    };
                    let Ok(mut forwarder) = pods.portforward(&pod, &[port]).await else {
                        return;
                    };
                    if let Some(mut stream) = forwarder.take_stream(port) {
                        let _ = tokio::io::copy_bidirectional(&mut connection, &mut stream).await;
                    }
                    let _ = forwarder.join().await;
                });
            }
        });
        Ok(Forward { addr, task })
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.task.abort();
    }
}
