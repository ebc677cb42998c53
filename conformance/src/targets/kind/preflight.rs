//! What the cluster must have before the workshop can run on it, checked once, before the first
//! scenario: a Ready node, the Gateway API and agentgateway CRDs, a GatewayClass its controller
//! accepted, the workshop's Gateway `Programmed`, and the mock's image on a node.
//!
//! Without this, a cluster that cannot run the workshop costs a minute per scenario (every
//! scenario waits for a Deployment or an `Accepted` that never comes). With it, each missing
//! piece is one line that names it and the command that fixes it, within seconds.

use std::fmt;

use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Client, ResourceExt};
use serde_json::Value;

/// What a missing piece stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocks {
    /// No pod can run: Step 1 and everything after it.
    Pods,
    /// Nothing sets `Accepted` or serves the Gateway: Steps 3 to 6.
    Controller,
    /// Perhaps nothing: what the cluster reports may lag (a node lists its images every few
    /// minutes), so this is said but does not stop the run.
    Unsure,
}

/// One missing piece: what, why, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub piece: String,
    pub problem: String,
    pub fix: String,
    pub blocks: Blocks,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (fix: {})", self.piece, self.problem, self.fix)
    }
}

/// What the preflight is told about the run.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub namespace: &'a str,
    pub gateway: &'a str,
    pub image: &'a str,
    /// The kind cluster's name, when the context is a kind one (`kind-<name>`), for the fixes.
    pub kind_cluster: Option<&'a str>,
}

/// The CRDs the workshop's resources need.
const CRDS: [(&str, &str); 5] = [
    ("gateways.gateway.networking.k8s.io", "Gateway API"),
    ("gatewayclasses.gateway.networking.k8s.io", "Gateway API"),
    ("httproutes.gateway.networking.k8s.io", "Gateway API"),
    ("agentgatewaybackends.agentgateway.dev", "agentgateway"),
    ("agentgatewaypolicies.agentgateway.dev", "agentgateway"),
];

/// Every missing piece, in the order they matter; none when the cluster is ready.
pub async fn check(client: &Client, expected: &Expected<'_>) -> Vec<Finding> {
    let setup = match expected.kind_cluster {
        Some(name) => format!("KIND_CLUSTER_NAME={name} kind/setup.sh"),
        None => "kind/setup.sh".to_owned(),
    };
    let mut findings = Vec::new();
    let nodes = match Api::<Node>::all(client.clone()).list(&ListParams::default()).await {
        Ok(nodes) => nodes.items,
        Err(err) => {
            findings.push(Finding {
                piece: "nodes".to_owned(),
                problem: format!("cannot be listed: {err}"),
                fix: "use a kubeconfig user that may list nodes".to_owned(),
                blocks: Blocks::Pods,
            });
            vec![]
        }
    };
    findings.extend(node_finding(&nodes, &setup));
    findings.extend(crd_findings(client, &setup).await);
    findings.extend(gateway_findings(client, expected, &setup).await);
    findings.extend(image_finding(&nodes, expected));
    findings
}

fn node_finding(nodes: &[Node], setup: &str) -> Option<Finding> {
    let ready = |node: &Node| {
        node.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    };
    if nodes.iter().any(ready) {
        return None;
    }
    let problem = if nodes.is_empty() {
        "the cluster has no node, so no pod can run".to_owned()
    } else {
        let names: Vec<String> = nodes.iter().map(|n| n.name_any()).collect();
        format!("none is Ready ({}), so no pod can run", names.join(", "))
    };
    Some(Finding {
        piece: "a Ready node".to_owned(),
        problem,
        fix: format!("start the cluster's nodes (a kind cluster: {setup})"),
        blocks: Blocks::Pods,
    })
}

async fn crd_findings(client: &Client, setup: &str) -> Vec<Finding> {
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    let mut findings = Vec::new();
    for (name, from) in CRDS {
        let problem = match crds.get_opt(name).await {
            Ok(Some(crd)) if established(&crd) => continue,
            Ok(Some(_)) => "is not Established".to_owned(),
            Ok(None) => "is not installed".to_owned(),
            Err(err) => format!("cannot be read: {err}"),
        };
        findings.push(Finding {
            piece: format!("the {from} CRD {name}"),
            problem,
            fix: format!("install the {from} CRDs ({setup})"),
            blocks: Blocks::Controller,
        });
    }
    findings
}

fn established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Established" && c.status == "True"))
}

fn gateway_api(client: &Client, kind: &str, plural: &str, namespace: Option<&str>) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
    match namespace {
        Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

/// The status condition `kind` of a Gateway API object: `Some((status, "reason: message"))`.
fn condition(object: &DynamicObject, kind: &str) -> Option<(String, String)> {
    let conditions = object.data.get("status")?.get("conditions")?.as_array()?;
    conditions
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .map(|c| {
            let text = |key| c.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            let (reason, message) = (text("reason"), text("message"));
            let why = if message.is_empty() {
                reason
            } else {
                format!("{reason}: {message}")
            };
            (text("status"), why)
        })
}

async fn gateway_findings(client: &Client, expected: &Expected<'_>, setup: &str) -> Vec<Finding> {
    let gateway_name = format!("Gateway {}/{}", expected.namespace, expected.gateway);
    let finding = |piece: String, problem: String| Finding {
        piece,
        problem,
        fix: format!("install agentgateway and create the Gateway ({setup})"),
        blocks: Blocks::Controller,
    };
    let gateways = gateway_api(client, "Gateway", "gateways", Some(expected.namespace));
    let gateway = match gateways.get_opt(expected.gateway).await {
        Ok(Some(gateway)) => gateway,
        Ok(None) => return vec![finding(gateway_name, "does not exist".to_owned())],
        // The CRD's own finding says why.
        Err(_) => return vec![],
    };
    let class_name = gateway
        .data
        .get("spec")
        .and_then(|s| s.get("gatewayClassName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut findings = Vec::new();
    let classes = gateway_api(client, "GatewayClass", "gatewayclasses", None);
    match classes.get_opt(&class_name).await {
        Ok(Some(class)) => {
            let controller = class
                .data
                .get("spec")
                .and_then(|s| s.get("controllerName"))
                .and_then(Value::as_str)
                .unwrap_or("its controller")
                .to_owned();
            match condition(&class, "Accepted") {
                Some((status, _)) if status == "True" => {}
                Some((status, reason)) => findings.push(finding(
                    format!("GatewayClass {class_name}"),
                    format!("is not Accepted ({status}, {reason}) by its controller {controller}"),
                )),
                None => findings.push(finding(
                    format!("GatewayClass {class_name}"),
                    format!("has no status: its controller {controller} is not running"),
                )),
            }
        }
        Ok(None) => findings.push(finding(
            format!("GatewayClass {class_name}"),
            "does not exist: no Gateway controller is installed (agentgateway's controller manages it)".to_owned(),
        )),
        // A missing GatewayClass CRD answers 404 for the kind itself.
        Err(_) => findings.push(finding(
            format!("GatewayClass {class_name}"),
            "cannot be read: no Gateway controller is installed (agentgateway's controller manages it)".to_owned(),
        )),
    }
    match condition(&gateway, "Programmed") {
        Some((status, _)) if status == "True" => {}
        Some((status, why)) => findings.push(finding(
            gateway_name,
            format!(
                "is not Programmed ({status}, {why}): the controller of GatewayClass {class_name} has not programmed it"
            ),
        )),
        None => findings.push(finding(
            gateway_name,
            format!("has no status: no controller has seen it (GatewayClass {class_name})"),
        )),
    }
    findings
}

/// The names a node reports an image under: as given, and as containerd records a short name.
fn image_names(image: &str) -> Vec<String> {
    let tagged = if image.rsplit('/').next().is_some_and(|last| last.contains(':')) {
        image.to_owned()
    } else {
        format!("{image}:latest")
    };
    let mut names = vec![image.to_owned(), tagged.clone()];
    match tagged.split_once('/') {
        None => names.push(format!("docker.io/library/{tagged}")),
        Some((first, _)) if !first.contains('.') && !first.contains(':') && first != "localhost" => {
            names.push(format!("docker.io/{tagged}"))
        }
        Some(_) => {}
    }
    names
}

/// Whether `image` names a registry the nodes may pull from (`host.domain/...`, `host:port/...`).
fn names_a_registry(image: &str) -> bool {
    image
        .split_once('/')
        .is_some_and(|(first, _)| first.contains('.') || first.contains(':') || first == "localhost")
}

fn image_finding(nodes: &[Node], expected: &Expected<'_>) -> Option<Finding> {
    if nodes.is_empty() || names_a_registry(expected.image) {
        return None;
    }
    let names = image_names(expected.image);
    let on_a_node = nodes.iter().any(|node| {
        node.status
            .as_ref()
            .and_then(|s| s.images.as_ref())
            .is_some_and(|images| {
                images
                    .iter()
                    .any(|i| i.names.iter().flatten().any(|n| names.contains(n)))
            })
    });
    if on_a_node {
        return None;
    }
    let fix = match expected.kind_cluster {
        Some(cluster) => format!(
            "docker build -t {image} -f mock-server/Dockerfile . && kind load docker-image {image} --name {cluster}",
            image = expected.image
        ),
        None => format!("load {} into the nodes' container runtime", expected.image),
    };
    Some(Finding {
        piece: format!("the mock's image {}", expected.image),
        problem: "is in no node's reported images and names no registry to pull it from (a node reports its \
                  images every few minutes: one loaded just now may not show yet)"
            .to_owned(),
        fix,
        blocks: Blocks::Unsure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_image_names_are_found_as_containerd_records_them() {
        assert!(image_names("mock-vllm:dev").contains(&"docker.io/library/mock-vllm:dev".to_owned()));
        assert!(image_names("mock-vllm").contains(&"docker.io/library/mock-vllm:latest".to_owned()));
        assert!(image_names("me/mock-vllm:1").contains(&"docker.io/me/mock-vllm:1".to_owned()));
        assert!(names_a_registry("ghcr.io/me/mock-vllm:1"));
        assert!(names_a_registry("localhost:5000/mock-vllm"));
        assert!(!names_a_registry("mock-vllm:dev"));
    }
}
