//! `kind/manifests/` against agentgateway's own CRD schemas, where `AGENTGATEWAY_CRDS_DIR`
//! points at them (`.ci/run` sets it to the shared reference folder). Without it the test says
//! why and passes, unless `CONFORMANCE_REQUIRE` lists `crds`.

use std::path::{Path, PathBuf};

use conformance::resources::WorkshopResources;
use serde_json::{Value, json};

/// The `openAPIV3Schema` of `kind` (version v1alpha1) from the CRD files in `dir`.
fn schema_of(dir: &Path, kind: &str) -> Value {
    for entry in std::fs::read_dir(dir).expect("AGENTGATEWAY_CRDS_DIR is a folder") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let crd: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if crd["spec"]["names"]["kind"] != kind {
            continue;
        }
        let versions = crd["spec"]["versions"].as_array().expect("CRD versions");
        let version = versions.iter().find(|v| v["name"] == "v1alpha1").expect("v1alpha1");
        return version["schema"]["openAPIV3Schema"].clone();
    }
    panic!("no CRD for {kind} in {}", dir.display());
}

fn crds_dir() -> Option<PathBuf> {
    let required = std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.split(',').any(|c| c.trim() == "crds"));
    match std::env::var_os("AGENTGATEWAY_CRDS_DIR") {
        Some(dir) => Some(dir.into()),
        None => {
            assert!(!required, "crds is required but AGENTGATEWAY_CRDS_DIR is not set");
            eprintln!("skipped: AGENTGATEWAY_CRDS_DIR is not set");
            None
        }
    }
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
    let Some(dir) = crds_dir() else { return };
    let resources = WorkshopResources::from_manifests().unwrap();
    let backend = serde_json::to_value(&resources.backend).unwrap();
    let policy = serde_json::to_value(&resources.policy).unwrap();
    let backend_errors = errors(&schema_of(&dir, "AgentgatewayBackend"), &backend);
    assert!(backend_errors.is_empty(), "{backend_errors:#?}");
    let policy_errors = errors(&schema_of(&dir, "AgentgatewayPolicy"), &policy);
    assert!(policy_errors.is_empty(), "{policy_errors:#?}");
}

#[test]
fn the_crd_schemas_catch_a_wrong_route_type_and_port() {
    let Some(dir) = crds_dir() else { return };
    let resources = WorkshopResources::from_manifests().unwrap();
    let mut policy = serde_json::to_value(&resources.policy).unwrap();
    policy["spec"]["backend"]["ai"]["routes"]["/v1/embeddings"] = json!("Passthru");
    let found = errors(&schema_of(&dir, "AgentgatewayPolicy"), &policy);
    assert!(found.iter().any(|e| e.contains("Passthru")), "{found:#?}");

    let mut backend = serde_json::to_value(&resources.backend).unwrap();
    backend["spec"]["ai"]["provider"]["port"] = json!(70000);
    let found = errors(&schema_of(&dir, "AgentgatewayBackend"), &backend);
    assert!(!found.is_empty(), "a port over 65535 is refused");
}
