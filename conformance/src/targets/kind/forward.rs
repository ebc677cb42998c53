//! A local port for the port of whichever pod a label selector picks, through the Kubernetes
//! API's port-forward.
//!
//! kube-rs hands out one stream per forward; HTTP clients want a TCP address. So we listen on
//! loopback and, per accepted connection, look up a running pod and forward to it, as
//! `kubectl port-forward` does. Looking the pod up per connection keeps the address valid when
//! the pod is replaced (a rollout, or Cleanup followed by Step 1 again).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::api::{KubeError, running_pod};

pub struct Forward {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
    /// The last connection's failure (no running pod, a refused or failed port-forward), so
    /// a caller can say why instead of timing out; also printed when it happens.
    last_error: Arc<Mutex<Option<String>>>,
}

impl Forward {
    pub async fn start(pods: Api<Pod>, selector: String, port: u16) -> Result<Self, KubeError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| KubeError::Forward(e.to_string()))?;
        let addr = listener.local_addr().map_err(|e| KubeError::Forward(e.to_string()))?;
        let last_error = Arc::new(Mutex::new(None));
        let errors = last_error.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut connection, _)) = listener.accept().await {
                let pods = pods.clone();
                let selector = selector.clone();
                let errors = errors.clone();
                tokio::spawn(async move {
                    let failed = |error: String| {
                        let error = format!("port-forward to {selector} port {port}: {error}");
                        eprintln!("{error}");
                        *errors.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                    };
                    let pod = match running_pod(&pods, &selector).await {
                        Ok(pod) => pod,
                        Err(err) => return failed(err.to_string()),
                    };
                    let mut forwarder = match pods.portforward(&pod, &[port]).await {
                        Ok(forwarder) => forwarder,
                        Err(err) => return failed(format!("pod {pod}: {err}")),
                    };
                    match forwarder.take_stream(port) {
                        Some(mut stream) => {
                            let _ = tokio::io::copy_bidirectional(&mut connection, &mut stream).await;
                        }
                        None => failed(format!("pod {pod}: no stream for the port")),
                    }
                    if let Err(err) = forwarder.join().await {
                        failed(format!("pod {pod}: {err}"));
                    }
                });
            }
        });
        Ok(Forward { addr, task, last_error })
    }

    /// Why the last connection through the forward failed, if it did.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.task.abort();
    }
}
