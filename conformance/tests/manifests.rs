//! `kind/manifests/` and `kind/gateway.yaml` against the CRD schemas of the resources they
//! create: agentgateway's (`AGENTGATEWAY_CRDS_DIR`) for the AgentgatewayBackend and
//! AgentgatewayPolicy, Gateway API's v1.3.0 (`GATEWAY_API_CRDS_DIR`) for the HTTPRoute and the
//! Gateway. `.ci/run` points both at the shared reference folders. Without them the tests say
//! why and pass, unless `CONFORMANCE_REQUIRE` lists `crds`.

use std::path::{Path, PathBuf};

use conformance::resources::MANIFESTS;
use serde::Deserialize;
use serde_json::{Value, json};

/// The `openAPIV3Schema` of `kind` at `version` from the CRD files in `dir`.
fn schema_of(dir: &Path, kind: &str, version: &str) -> Value {
    for entry in std::fs::read_dir(dir).expect("AGENTGATEWAY_CRDS_DIR is a folder") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let crd: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if crd["spec"]["names"]["kind"] != kind {
            continue;
        }
        let versions = crd["spec"]["versions"].as_array().expect("CRD versions");
        let found = versions
            .iter()
            .find(|v| v["name"] == version)
            .unwrap_or_else(|| panic!("{kind} has no version {version}"));
        return found["schema"]["openAPIV3Schema"].clone();
    }
    panic!("no CRD for {kind} in {}", dir.display());
}

/// The folder `variable` names, or `None` (and why) when it is unset and not required.
fn crds_dir(variable: &str) -> Option<PathBuf> {
    let required = std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.split(',').any(|c| c.trim() == "crds"));
    match std::env::var_os(variable) {
        Some(dir) => Some(dir.into()),
        None => {
            assert!(!required, "crds is required but {variable} is not set");
            eprintln!("skipped: {variable} is not set");
            None
        }
    }
}

fn agentgateway_crds() -> Option<PathBuf> {
    crds_dir("AGENTGATEWAY_CRDS_DIR")
}

fn gateway_api_crds() -> Option<PathBuf> {
    crds_dir("GATEWAY_API_CRDS_DIR")
}

/// The document of `kind` in `kind/manifests/`, exactly as written there.
fn manifest(kind: &str) -> Value {
    MANIFESTS
        .iter()
        .flat_map(|(_, text)| serde_yaml_ng::Deserializer::from_str(text))
        .map(|document| Value::deserialize(document).expect("the manifests are YAML"))
        .find(|document| document["kind"] == kind)
        .unwrap_or_else(|| panic!("kind/manifests has no {kind}"))
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the CRD schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn the_workshops_custom_resources_validate_against_the_crds() {
    let Some(dir) = agentgateway_crds() else { return };
    let backend = manifest("AgentgatewayBackend");
    let policy = manifest("AgentgatewayPolicy");
    let backend_errors = errors(&schema_of(&dir, "AgentgatewayBackend", "v1alpha1"), &backend);
    assert!(backend_errors.is_empty(), "{backend_errors:#?}");
    let policy_errors = errors(&schema_of(&dir, "AgentgatewayPolicy", "v1alpha1"), &policy);
    assert!(policy_errors.is_empty(), "{policy_errors:#?}");
}

#[test]
fn the_crd_schemas_catch_a_wrong_route_type_and_port() {
    let Some(dir) = agentgateway_crds() else { return };
    let mut policy = manifest("AgentgatewayPolicy");
    policy["spec"]["backend"]["ai"]["routes"]["/v1/embeddings"] = json!("Passthru");
    let found = errors(&schema_of(&dir, "AgentgatewayPolicy", "v1alpha1"), &policy);
    assert!(found.iter().any(|e| e.contains("Passthru")), "{found:#?}");

    let mut backend = manifest("AgentgatewayBackend");
    backend["spec"]["ai"]["provider"]["port"] = json!(70000);
    let found = errors(&schema_of(&dir, "AgentgatewayBackend", "v1alpha1"), &backend);
    assert!(!found.is_empty(), "a port over 65535 is refused");
}

#[test]
fn the_httproute_and_the_gateway_validate_against_gateway_api() {
    let Some(dir) = gateway_api_crds() else { return };
    let route = manifest("HTTPRoute");
    let route_errors = errors(&schema_of(&dir, "HTTPRoute", "v1"), &route);
    assert!(route_errors.is_empty(), "{route_errors:#?}");

    let gateway: Value = serde_yaml_ng::from_str(include_str!("../../kind/gateway.yaml")).unwrap();
    let gateway_errors = errors(&schema_of(&dir, "Gateway", "v1"), &gateway);
    assert!(gateway_errors.is_empty(), "{gateway_errors:#?}");
}

#[test]
fn the_gateway_api_schemas_catch_a_wrong_match_type_and_listener_port() {
    let Some(dir) = gateway_api_crds() else { return };
    let mut route = manifest("HTTPRoute");
    route["spec"]["rules"][0]["matches"][0]["path"]["type"] = json!("Prefix");
    let found = errors(&schema_of(&dir, "HTTPRoute", "v1"), &route);
    assert!(found.iter().any(|e| e.contains("Prefix")), "{found:#?}");

    let mut gateway: Value = serde_yaml_ng::from_str(include_str!("../../kind/gateway.yaml")).unwrap();
    gateway["spec"]["listeners"][0]["port"] = json!(0);
    let found = errors(&schema_of(&dir, "Gateway", "v1"), &gateway);
    assert!(!found.is_empty(), "port 0 is refused");
}
