//! The kind target's Kubernetes logic against a mocked API server (tower-test): the calls it
//! makes (verbs, paths, field manager, bodies) and how it reads realistic status objects.

use std::time::Duration;

use bytes::Bytes;
use conformance::resources::WorkshopResources;
use conformance::targets::kind::api::{FIELD_MANAGER, KubeError, WorkshopApi, WorkshopKind};
use conformance::workshop::Workshop;
use http::{Method, Request, Response};
use kube::client::Body;
use serde_json::{Value, json};
use tower_test::mock::{Handle, SendResponse};

type ApiHandle = Handle<Request<Body>, Response<Body>>;

const NS: &str = "enterprise-agentgateway";

fn api() -> (WorkshopApi, ApiHandle) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, NS);
    let resources = WorkshopResources::for_run(&Workshop::default(), "mock-vllm:dev").unwrap();
    (WorkshopApi::new(client, NS, resources), handle)
}

/// One call the code made: its verb, path, query and body.
struct Call {
    method: Method,
    path: String,
    query: String,
    content_type: Option<String>,
    body: Bytes,
}

async fn next_call(handle: &mut ApiHandle) -> (Call, SendResponse<Response<Body>>) {
    let (request, send) = tokio::time::timeout(Duration::from_secs(5), handle.next_request())
        .await
        .expect("the code calls the API server")
        .expect("the client is alive");
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let body = request.into_body().collect_bytes().await.unwrap();
    (
        Call {
            method,
            path,
            query,
            content_type,
            body,
        },
        send,
    )
}

fn respond(send: SendResponse<Response<Body>>, status: u16, body: Value) {
    let bytes = serde_json::to_vec(&body).unwrap();
    send.send_response(Response::builder().status(status).body(Body::from(bytes)).unwrap());
}

fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "10"}, "items": items})
}

fn backend(reason: &str) -> Value {
    json!({
        "apiVersion": "agentgateway.dev/v1alpha1",
        "kind": "AgentgatewayBackend",
        "metadata": {"name": "qwen3", "namespace": NS, "uid": "uid-backend", "resourceVersion": "10"},
        "spec": {"ai": {"provider": {"openai": {"model": "/apps/ecs_mounts/data/q3.6b"}}}},
        "status": {"conditions": [{
            "type": "Accepted", "status": if reason == "Accepted" { "True" } else { "False" },
            "reason": reason, "message": "", "lastTransitionTime": "2026-11-25T10:00:00Z"
        }]}
    })
}

#[tokio::test]
async fn apply_is_server_side_apply_with_the_field_manager() {
    let (api, mut handle) = api();
    let expected: [(WorkshopKind, &str); 6] = [
        (
            WorkshopKind::Deployment,
            "/apis/apps/v1/namespaces/enterprise-agentgateway/deployments/mock-vllm",
        ),
        (
            WorkshopKind::Service,
            "/api/v1/namespaces/enterprise-agentgateway/services/mock-vllm",
        ),
        (
            WorkshopKind::Secret,
            "/api/v1/namespaces/enterprise-agentgateway/secrets/vllm-secret",
        ),
        (
            WorkshopKind::Backend,
            "/apis/agentgateway.dev/v1alpha1/namespaces/enterprise-agentgateway/agentgatewaybackends/qwen3",
        ),
        (
            WorkshopKind::Route,
            "/apis/gateway.networking.k8s.io/v1/namespaces/enterprise-agentgateway/httproutes/qwen3",
        ),
        (
            WorkshopKind::Policy,
            "/apis/agentgateway.dev/v1alpha1/namespaces/enterprise-agentgateway/agentgatewaypolicies/qwen3-embeddings",
        ),
    ];
    for (kind, path) in expected {
        let server = async {
            let (call, send) = next_call(&mut handle).await;
            let body: Value = serde_json::from_slice(&call.body).unwrap();
            respond(send, 200, body.clone());
            (call, body)
        };
        let (applied, (call, body)) = tokio::join!(api.apply(kind), server);
        applied.unwrap();
        assert_eq!(call.method, Method::PATCH, "{kind:?}");
        assert_eq!(call.path, path);
        assert!(
            call.query.contains(&format!("fieldManager={FIELD_MANAGER}")),
            "{}",
            call.query
        );
        assert!(call.query.contains("force=true"), "{}", call.query);
        assert_eq!(call.content_type.as_deref(), Some("application/apply-patch+yaml"));
        assert_eq!(body["metadata"]["namespace"], NS);
        assert!(body["apiVersion"].is_string() && body["kind"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn applied_bodies_carry_the_workshops_values() {
    let (api, mut handle) = api();
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        let body: Value = serde_json::from_slice(&call.body).unwrap();
        respond(send, 200, body.clone());
        body
    };
    let (applied, body) = tokio::join!(api.apply(WorkshopKind::Backend), server);
    applied.unwrap();
    assert_eq!(
        body["spec"],
        json!({
            "ai": {"provider": {
                "openai": {"model": "/apps/ecs_mounts/data/q3.6b"},
                "host": "mock-vllm.enterprise-agentgateway.svc.cluster.local",
                "port": 8000,
                "path": "/v1/embeddings"
            }},
            "policies": {"auth": {"secretRef": {"name": "vllm-secret"}}}
        })
    );

    let server = async {
        let (call, send) = next_call(&mut handle).await;
        let body: Value = serde_json::from_slice(&call.body).unwrap();
        respond(send, 200, body.clone());
        (body, String::from_utf8(call.body.to_vec()).unwrap())
    };
    let (applied, (body, wire)) = tokio::join!(api.apply(WorkshopKind::Policy), server);
    applied.unwrap();
    let routes = &body["spec"]["backend"]["ai"]["routes"];
    assert_eq!(routes["/v1/embeddings"], "Passthrough");
    assert_eq!(routes["/v1/chat/completions"], "Completions");
    assert_eq!(body["spec"]["targetRefs"][0]["kind"], "HTTPRoute");
    // Sent in the order the workshop writes them, "*" last.
    let position = |key: &str| wire.find(key).unwrap();
    assert!(position("/v1/chat/completions") < position("\"*\""), "{wire}");
}

#[tokio::test]
async fn accepted_is_read_at_status_conditions_0_once_the_controller_sets_it() {
    let (api, mut handle) = api();
    let server = async {
        // The watch lists the object first: the controller has not accepted it yet...
        let (call, send) = next_call(&mut handle).await;
        assert_eq!(call.method, Method::GET);
        assert!(call.path.ends_with("/agentgatewaybackends"), "{}", call.path);
        assert!(
            call.query.contains("fieldSelector=metadata.name%3Dqwen3"),
            "{}",
            call.query
        );
        respond(send, 200, list(vec![backend("Pending")]));
        // ...then watches, and the controller's update arrives; its reason is the answer.
        let (call, send) = next_call(&mut handle).await;
        assert!(call.query.contains("watch=true"), "{}", call.query);
        let event = json!({"type": "MODIFIED", "object": backend("Accepted")});
        let line = format!("{event}\n");
        send.send_response(Response::builder().body(Body::from(line.into_bytes())).unwrap());
    };
    let (reason, ()) = tokio::join!(api.wait_accepted(WorkshopKind::Backend, Duration::from_secs(5)), server);
    assert_eq!(reason.unwrap(), "Accepted");
}

#[tokio::test]
async fn a_backend_that_is_never_accepted_times_out_with_its_condition() {
    let (api, mut handle) = api();
    let server = async move {
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![backend("Invalid")]));
        // Hold the watch open with nothing on it.
        let (_call, _send) = next_call(&mut handle).await;
        // Then the status is read for the message.
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, backend("Invalid"));
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let (result, ()) = tokio::join!(
        api.wait_accepted(WorkshopKind::Backend, Duration::from_millis(500)),
        server
    );
    assert!(matches!(result, Err(KubeError::NotAccepted { .. })), "{result:?}");
    assert_eq!(
        result.unwrap_err().to_string(),
        "AgentgatewayBackend qwen3 was not Accepted within 500ms: its condition is Accepted False (Invalid)"
    );
}

#[tokio::test]
async fn route_and_policy_reasons_come_from_parents_and_ancestors() {
    let (api, mut handle) = api();
    let route = json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "qwen3", "namespace": NS},
        "spec": {"parentRefs": [{"name": "agentgateway"}], "rules": []},
        "status": {"parents": [{
            "parentRef": {"name": "agentgateway"}, "controllerName": "agentgateway.dev/agentgateway",
            "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"},
                           {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"}]
        }]}
    });
    let policy = json!({
        "apiVersion": "agentgateway.dev/v1alpha1", "kind": "AgentgatewayPolicy",
        "metadata": {"name": "qwen3-embeddings", "namespace": NS},
        "spec": {"targetRefs": []},
        "status": {"ancestors": [{"conditions": [{"type": "Accepted", "status": "True", "reason": "Valid"}]}]}
    });
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/httproutes/qwen3"));
        respond(send, 200, route);
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/agentgatewaypolicies/qwen3-embeddings"));
        respond(send, 200, policy);
    };
    let reads = async {
        (
            api.reason(WorkshopKind::Route).await.unwrap(),
            api.reason(WorkshopKind::Policy).await.unwrap(),
        )
    };
    let ((route_reason, policy_reason), ()) = tokio::join!(reads, server);
    assert_eq!(route_reason.as_deref(), Some("Accepted"));
    assert_eq!(policy_reason.as_deref(), Some("Valid"));
}

#[tokio::test]
async fn mock_readiness_waits_for_a_ready_replica() {
    let (api, mut handle) = api();
    let deployment = |ready: i32| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "mock-vllm", "namespace": NS, "resourceVersion": "5"},
            "spec": {"selector": {"matchLabels": {"app": "mock-vllm"}}, "template": {"metadata": {}}},
            "status": {"replicas": 1, "readyReplicas": ready}
        })
    };
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/deployments"), "{}", call.path);
        respond(send, 200, list(vec![deployment(0)]));
        let (_, send) = next_call(&mut handle).await;
        let line = format!("{}\n", json!({"type": "MODIFIED", "object": deployment(1)}));
        send.send_response(Response::builder().body(Body::from(line.into_bytes())).unwrap());
    };
    let (ready, ()) = tokio::join!(api.wait_mock_ready(Duration::from_secs(5)), server);
    ready.unwrap();
}

#[tokio::test]
async fn the_secret_is_read_back_decoded() {
    let (api, mut handle) = api();
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert_eq!(
            call.path,
            "/api/v1/namespaces/enterprise-agentgateway/secrets/vllm-secret"
        );
        respond(
            send,
            200,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vllm-secret"},
                   "data": {"Authorization": "c2std29ya3Nob3AtdmxsbS1rZXk="}}),
        );
    };
    let (value, ()) = tokio::join!(api.secret_value("Authorization"), server);
    assert_eq!(value.unwrap().as_deref(), Some("sk-workshop-vllm-key"));
}

#[tokio::test]
async fn cleanup_deletes_all_six_policy_first_and_waits_until_gone() {
    let (api, mut handle) = api();
    let order = [
        (
            "/apis/agentgateway.dev/v1alpha1/namespaces/enterprise-agentgateway/agentgatewaypolicies/qwen3-embeddings",
            json!({"apiVersion": "agentgateway.dev/v1alpha1", "kind": "AgentgatewayPolicy", "spec": {"targetRefs": []}}),
        ),
        (
            "/apis/gateway.networking.k8s.io/v1/namespaces/enterprise-agentgateway/httproutes/qwen3",
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "spec": {}}),
        ),
        (
            "/apis/agentgateway.dev/v1alpha1/namespaces/enterprise-agentgateway/agentgatewaybackends/qwen3",
            json!({"apiVersion": "agentgateway.dev/v1alpha1", "kind": "AgentgatewayBackend", "spec": {}}),
        ),
        (
            "/api/v1/namespaces/enterprise-agentgateway/secrets/vllm-secret",
            json!({"apiVersion": "v1", "kind": "Secret"}),
        ),
        (
            "/apis/apps/v1/namespaces/enterprise-agentgateway/deployments/mock-vllm",
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "spec": {"selector": {}, "template": {"metadata": {}}}}),
        ),
        (
            "/api/v1/namespaces/enterprise-agentgateway/services/mock-vllm",
            json!({"apiVersion": "v1", "kind": "Service"}),
        ),
    ];
    let server = async {
        let mut verbs = Vec::new();
        for (path, mut object) in order.clone() {
            let name = path.rsplit('/').next().unwrap();
            object["metadata"] =
                json!({"name": name, "namespace": NS, "uid": format!("uid-{name}"), "resourceVersion": "3"});
            // get (for the uid), delete, then the watch's list finds nothing.
            for _ in 0..3 {
                let (call, send) = next_call(&mut handle).await;
                verbs.push((call.method.clone(), call.path.clone()));
                if call.method == Method::GET && call.path == path {
                    respond(send, 200, object.clone());
                } else if call.method == Method::DELETE {
                    assert_eq!(call.path, path);
                    respond(send, 200, object.clone());
                } else {
                    assert!(
                        call.query.contains(&format!("fieldSelector=metadata.name%3D{name}")),
                        "{}",
                        call.query
                    );
                    respond(send, 200, list(vec![]));
                }
            }
        }
        verbs
    };
    let (deleted, verbs) = tokio::join!(api.delete_all(Duration::from_secs(5)), server);
    deleted.unwrap();
    let deletes: Vec<&str> = verbs
        .iter()
        .filter(|(m, _)| *m == Method::DELETE)
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(deletes, order.map(|(path, _)| path));
}

#[tokio::test]
async fn cleanup_skips_what_is_already_gone() {
    let (api, mut handle) = api();
    let server = async {
        for _ in 0..6 {
            let (call, send) = next_call(&mut handle).await;
            assert_eq!(call.method, Method::GET);
            respond(
                send,
                404,
                json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}),
            );
        }
    };
    let (deleted, ()) = tokio::join!(api.delete_all(Duration::from_secs(5)), server);
    deleted.unwrap();
}

fn pod(name: &str, phase: &str, deleting: bool) -> Value {
    let mut metadata = json!({"name": name, "namespace": NS, "labels": {"app": "mock-vllm"}});
    if deleting {
        metadata["deletionTimestamp"] = json!("2026-11-25T10:00:00Z");
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": []}, "status": {"phase": phase}})
}

#[tokio::test]
async fn the_mock_log_is_read_like_kubectl_logs_of_the_running_pod() {
    let (api, mut handle) = api();
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert_eq!(call.path, "/api/v1/namespaces/enterprise-agentgateway/pods");
        assert!(call.query.contains("labelSelector=app%3Dmock-vllm"), "{}", call.query);
        respond(
            send,
            200,
            list(vec![
                pod("mock-vllm-old", "Running", true),
                pod("mock-vllm-pending", "Pending", false),
                pod("mock-vllm-new", "Running", false),
            ]),
        );
        let (call, send) = next_call(&mut handle).await;
        assert_eq!(
            call.path,
            "/api/v1/namespaces/enterprise-agentgateway/pods/mock-vllm-new/log"
        );
        assert!(call.query.contains("container=server"), "{}", call.query);
        assert!(call.query.contains("tailLines=200"), "{}", call.query);
        let log = "\n=== REQUEST ===\nPath: /v1/embeddings\n===============\n";
        send.send_response(Response::builder().body(Body::from(log.as_bytes().to_vec())).unwrap());
    };
    let (log, ()) = tokio::join!(api.mock_log(200), server);
    assert!(log.unwrap().contains("Path: /v1/embeddings"));
}

#[tokio::test]
async fn no_running_pod_is_an_error_naming_the_selector() {
    let (api, mut handle) = api();
    let server = async {
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![pod("mock-vllm-x", "Pending", false)]));
    };
    let (found, ()) = tokio::join!(api.running_pod("app=mock-vllm"), server);
    let err = found.unwrap_err();
    assert!(matches!(err, KubeError::NoPod(ref s) if s == "app=mock-vllm"), "{err}");
}

fn gateway_pod(name: &str, created: &str, image: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "creationTimestamp": created,
                     "labels": {"gateway.networking.k8s.io/gateway-name": "agentgateway"}},
        "spec": {"containers": [{"name": "agentgateway", "image": image}]},
        "status": {"phase": "Running", "podIP": "10.244.0.9"}
    })
}

#[tokio::test]
async fn the_gateways_access_log_is_every_running_replica_oldest_first() {
    let (api, mut handle) = api();
    let selector = "gateway.networking.k8s.io/gateway-name=agentgateway";
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert!(
            call.query
                .contains("labelSelector=gateway.networking.k8s.io%2Fgateway-name%3Dagentgateway"),
            "{}",
            call.query
        );
        respond(
            send,
            200,
            list(vec![
                gateway_pod("gw-new", "2026-11-25T10:05:00Z", "agentgateway:v1"),
                gateway_pod("gw-old", "2026-11-25T10:00:00Z", "agentgateway:v1"),
            ]),
        );
        for (pod, line) in [("gw-old", "old line\n"), ("gw-new", "new line\n")] {
            let (call, send) = next_call(&mut handle).await;
            assert_eq!(call.path, format!("/api/v1/namespaces/{NS}/pods/{pod}/log"));
            send.send_response(Response::builder().body(Body::from(line.as_bytes().to_vec())).unwrap());
        }
    };
    let (log, ()) = tokio::join!(api.pod_logs(selector), server);
    assert_eq!(log.unwrap(), "old line\nnew line\n");
}

#[tokio::test]
async fn the_mock_is_reached_at_its_services_cluster_ip_or_a_running_pods_ip() {
    let (api, mut handle) = api();
    let server = async {
        let (call, send) = next_call(&mut handle).await;
        assert_eq!(call.path, format!("/api/v1/namespaces/{NS}/services/mock-vllm"));
        respond(
            send,
            200,
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mock-vllm", "namespace": NS},
                   "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 8000}]}}),
        );
        let (call, send) = next_call(&mut handle).await;
        assert!(call.query.contains("labelSelector=app%3Dmock-vllm"), "{}", call.query);
        let mut running = pod("mock-vllm-a", "Running", false);
        running["status"]["podIP"] = json!("10.244.0.7");
        let mut gone = pod("mock-vllm-b", "Running", true);
        gone["status"]["podIP"] = json!("10.244.0.8");
        respond(send, 200, list(vec![running, gone]));
    };
    let (endpoints, ()) = tokio::join!(api.mock_endpoints(8000), server);
    assert_eq!(endpoints.unwrap(), ["10.96.0.20:8000", "10.244.0.7:8000"]);
}

#[tokio::test]
async fn the_gateways_image_is_read_from_its_running_pod() {
    let (api, mut handle) = api();
    let server = async {
        let (_, send) = next_call(&mut handle).await;
        let mut pending = gateway_pod("gw-pending", "2026-11-25T10:00:00Z", "agentgateway:old");
        pending["status"]["phase"] = json!("Pending");
        let running = gateway_pod("gw", "2026-11-25T10:00:00Z", "cr.agentgateway.dev/agentgateway:v1.2.3");
        respond(send, 200, list(vec![pending, running]));
    };
    let (image, ()) = tokio::join!(
        api.pod_image("gateway.networking.k8s.io/gateway-name=agentgateway"),
        server
    );
    assert_eq!(
        image.unwrap().as_deref(),
        Some("cr.agentgateway.dev/agentgateway:v1.2.3")
    );
}

fn not_found(send: SendResponse<Response<Body>>) {
    respond(
        send,
        404,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}),
    );
}

fn node(ready: bool, images: &[&str]) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "localhost"},
        "status": {
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "images": [{"names": images, "sizeBytes": 1}]
        }
    })
}

fn crd(name: &str) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": name},
        "spec": {"group": "g", "names": {"plural": "p", "kind": "K"}, "scope": "Namespaced", "versions": []},
        "status": {"conditions": [{"type": "Established", "status": "True"}]}
    })
}

fn expected() -> conformance::targets::kind::preflight::Expected<'static> {
    conformance::targets::kind::preflight::Expected {
        namespace: NS,
        gateway: "agentgateway",
        image: "mock-vllm:dev",
        kind_cluster: Some("vllm-gateway"),
    }
}

/// Answers the preflight's calls in its order: nodes, the five CRDs, the Gateway, its class.
async fn answer_preflight(
    handle: &mut ApiHandle,
    nodes: Vec<Value>,
    crds_present: usize,
    gateway: Option<Value>,
    class: Option<Value>,
) {
    let (call, send) = next_call(handle).await;
    assert_eq!(call.path, "/api/v1/nodes");
    respond(send, 200, list(nodes));
    for i in 0..5 {
        let (call, send) = next_call(handle).await;
        let name = call.path.rsplit('/').next().unwrap().to_owned();
        assert!(
            call.path
                .starts_with("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/")
        );
        if i < crds_present {
            respond(send, 200, crd(&name));
        } else {
            not_found(send);
        }
    }
    let (call, send) = next_call(handle).await;
    assert_eq!(
        call.path,
        format!("/apis/gateway.networking.k8s.io/v1/namespaces/{NS}/gateways/agentgateway")
    );
    let Some(gateway) = gateway else {
        return not_found(send);
    };
    respond(send, 200, gateway);
    let (call, send) = next_call(handle).await;
    assert_eq!(
        call.path,
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses/agentgateway"
    );
    match class {
        Some(class) => respond(send, 200, class),
        None => not_found(send),
    }
}

fn gateway(programmed: bool) -> Value {
    let status = if programmed {
        json!({"conditions": [{"type": "Programmed", "status": "True", "reason": "Programmed"}]})
    } else {
        json!({})
    };
    json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "metadata": {"name": "agentgateway", "namespace": NS},
        "spec": {"gatewayClassName": "agentgateway", "listeners": []},
        "status": status
    })
}

fn gateway_class() -> Value {
    json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "agentgateway"},
        "spec": {"controllerName": "agentgateway.dev/agentgateway"},
        "status": {"conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]}
    })
}

/// The preflight's findings on a cluster that answers as [`answer_preflight`] is told.
async fn preflight_on(
    nodes: Vec<Value>,
    crds_present: usize,
    gateway: Option<Value>,
    class: Option<Value>,
) -> Vec<conformance::targets::kind::preflight::Finding> {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, NS);
    let server = answer_preflight(&mut handle, nodes, crds_present, gateway, class);
    let expected = expected();
    let (findings, ()) = tokio::join!(conformance::targets::kind::preflight::check(&client, &expected), server);
    findings
}

#[tokio::test]
async fn a_ready_cluster_passes_the_preflight() {
    let nodes = vec![node(true, &["docker.io/library/mock-vllm:dev"])];
    let findings = preflight_on(nodes, 5, Some(gateway(true)), Some(gateway_class())).await;
    assert_eq!(findings, vec![], "{findings:?}");
}

#[tokio::test]
async fn the_preflight_names_each_missing_piece_and_its_fix() {
    // A node that is not Ready and lacks the image, the agentgateway CRDs missing, a Gateway
    // nobody programmed, and no GatewayClass: a real API server with no controller.
    let findings = preflight_on(vec![node(false, &["k8s-local/pause:1"])], 3, Some(gateway(false)), None).await;
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    let text = lines.join("\n");
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(
        findings[5].blocks,
        conformance::targets::kind::preflight::Blocks::Unsure
    );
    for (line, says) in [
        (0, "a Ready node: none is Ready (localhost)"),
        (
            1,
            "the agentgateway CRD agentgatewaybackends.agentgateway.dev: is not installed",
        ),
        (
            3,
            "GatewayClass agentgateway: does not exist: no Gateway controller is installed",
        ),
        (
            4,
            "Gateway enterprise-agentgateway/agentgateway: has no status: no controller has seen it",
        ),
        (5, "kind load docker-image mock-vllm:dev --name vllm-gateway"),
    ] {
        assert!(lines[line].contains(says), "line {line} says {says:?} in\n{text}");
    }
    assert!(text.contains("KIND_CLUSTER_NAME=vllm-gateway kind/setup.sh"), "{text}");
}

/// The mock's Deployment with one replica asked for and none ready.
fn unready_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "mock-vllm", "namespace": NS, "resourceVersion": "5"},
        "spec": {"selector": {"matchLabels": {"app": "mock-vllm"}}, "template": {"metadata": {}}},
        "status": {"replicas": 1}
    })
}

#[tokio::test]
async fn a_deployment_that_is_not_ready_says_why_from_its_pods_and_events() {
    let (api, mut handle) = api();
    let deployment = unready_deployment();
    let pending = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "mock-vllm-abc", "namespace": NS},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "message": "no nodes available to schedule pods"}]
        }
    });
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "e1", "namespace": NS},
        "involvedObject": {"kind": "Pod", "name": "mock-vllm-abc"},
        "type": "Warning", "reason": "FailedScheduling", "message": "0/0 nodes are available"
    });
    let server = async {
        // The wait: a list, then a watch that says nothing.
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![deployment.clone()]));
        let (_watch, _send) = next_call(&mut handle).await;
        // The diagnosis: the Deployment, its pods, the pod's events.
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/deployments/mock-vllm"), "{}", call.path);
        respond(send, 200, deployment.clone());
        let (call, send) = next_call(&mut handle).await;
        assert!(
            call.path.ends_with("/pods") && call.query.contains("labelSelector"),
            "{}",
            call.path
        );
        respond(send, 200, list(vec![pending]));
        let (call, send) = next_call(&mut handle).await;
        assert!(
            call.path.ends_with("/events") && call.query.contains("involvedObject.name"),
            "{}",
            call.query
        );
        respond(send, 200, list(vec![event]));
    };
    let (ready, ()) = tokio::join!(api.wait_mock_ready(Duration::from_millis(300)), server);
    let message = ready.unwrap_err().to_string();
    assert_eq!(
        message,
        "the mock-vllm Deployment was not ready within 300ms: pod mock-vllm-abc (Pending): unschedulable: \
         no nodes available to schedule pods, event FailedScheduling: 0/0 nodes are available"
    );
}

#[tokio::test]
async fn a_deployment_with_no_status_names_the_missing_controller_manager() {
    let (api, mut handle) = api();
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "mock-vllm", "namespace": NS, "resourceVersion": "5"},
        "spec": {"selector": {"matchLabels": {"app": "mock-vllm"}}, "template": {"metadata": {}}}
    });
    let server = async {
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![deployment.clone()]));
        let (_watch, _send) = next_call(&mut handle).await;
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, deployment.clone());
    };
    let (ready, ()) = tokio::join!(api.wait_mock_ready(Duration::from_millis(300)), server);
    assert!(
        ready
            .unwrap_err()
            .to_string()
            .ends_with("no controller-manager has seen it (is kube-controller-manager running?)")
    );
}

#[tokio::test]
async fn an_accepted_time_out_says_no_controller_has_seen_the_object() {
    let (api, mut handle) = api();
    let unseen = json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "qwen3", "namespace": NS, "resourceVersion": "7"},
        "spec": {"parentRefs": [], "rules": []}
    });
    let server = async {
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![unseen.clone()]));
        let (_watch, _send) = next_call(&mut handle).await;
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/httproutes/qwen3"));
        respond(send, 200, unseen.clone());
    };
    let (result, ()) = tokio::join!(
        api.wait_accepted(WorkshopKind::Route, Duration::from_millis(300)),
        server
    );
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with(
            "HTTPRoute qwen3 was not Accepted within 300ms: no status: no controller has seen this object"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn steps_the_preflight_found_hopeless_fail_at_once_naming_the_piece() {
    let (service, _handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, NS);
    let resources = WorkshopResources::for_run(&Workshop::default(), "mock-vllm:dev").unwrap();
    let missing = conformance::targets::kind::preflight::Finding {
        piece: "GatewayClass agentgateway".into(),
        problem: "does not exist: no Gateway controller is installed".into(),
        fix: "kind/setup.sh".into(),
        blocks: conformance::targets::kind::preflight::Blocks::Controller,
    };
    let api = WorkshopApi::new(client, NS, resources).with_missing(vec![missing]);
    let started = std::time::Instant::now();
    let err = api
        .wait_accepted(WorkshopKind::Backend, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "no wait at all");
    assert_eq!(
        err.to_string(),
        "not waiting for AgentgatewayBackend qwen3 to be Accepted: the preflight found GatewayClass agentgateway: \
         does not exist: no Gateway controller is installed (fix: kind/setup.sh)"
    );
}

#[tokio::test]
async fn a_crash_loop_says_its_last_log_lines_and_an_image_pull_its_reason() {
    let (api, mut handle) = api();
    let deployment = unready_deployment();
    let waiting = |name: &str, reason: &str, message: &str| {
        json!({"name": name, "ready": false, "restartCount": 3, "image": "mock-vllm:dev", "imageID": "",
               "state": {"waiting": {"reason": reason, "message": message}}})
    };
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "mock-vllm-abc", "namespace": NS},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                waiting("server", "CrashLoopBackOff", "back-off 40s restarting failed container"),
                waiting("sidecar", "ImagePullBackOff", "Back-off pulling image \"mock-vllm:nope\"")
            ]
        }
    });
    let server = async {
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![deployment.clone()]));
        let (_watch, _send) = next_call(&mut handle).await;
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, deployment.clone());
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![pod]));
        // The crashed container's previous log, as `kubectl logs --previous` reads it.
        let (call, send) = next_call(&mut handle).await;
        assert!(call.path.ends_with("/pods/mock-vllm-abc/log"), "{}", call.path);
        assert!(
            call.query.contains("previous=true") && call.query.contains("container=server"),
            "{}",
            call.query
        );
        send.send_response(
            Response::builder()
                .body(Body::from(
                    b"Error: cannot listen on 0.0.0.0:8000\nCaused by: Address in use\n".to_vec(),
                ))
                .unwrap(),
        );
        let (_, send) = next_call(&mut handle).await;
        respond(send, 200, list(vec![]));
    };
    let (ready, ()) = tokio::join!(api.wait_mock_ready(Duration::from_millis(300)), server);
    assert_eq!(
        ready.unwrap_err().to_string(),
        "the mock-vllm Deployment was not ready within 300ms: pod mock-vllm-abc (Running): container server waiting, \
         CrashLoopBackOff: back-off 40s restarting failed container (last log lines: Error: cannot listen on 0.0.0.0:8000 | \
         Caused by: Address in use), container sidecar waiting, ImagePullBackOff: Back-off pulling image \"mock-vllm:nope\""
    );
}
