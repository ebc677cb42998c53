//! What the upstream vLLM server saw, from the mock's journal and log: `Then the upstream saw ...`.

use cucumber::gherkin::Step;
use cucumber::then;
use serde_json::Value;

use super::{cell_for_target, table_rows};
use crate::hop::{Hop, Mismatch, entry_evidence, upstream};
use crate::workshop;
use crate::world::WorkshopWorld;

/// One aspect of the upstream request, in the words of the features' tables.
#[then(
    regex = r#"^the upstream saw (path|the body's model|authorization|a request routed as|its address reached) "(.+)"$"#
)]
async fn saw(world: &mut WorkshopWorld, aspect: String, expected: String) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let expected = world.expand(&expected);
    match aspect.as_str() {
        "path" => upstream(&entry, "path", expected.as_str(), entry.path.as_str()),
        "the body's model" => {
            let model = entry.body_json().and_then(|b| b["model"].as_str().map(str::to_owned));
            upstream(&entry, "the body's model", Some(expected), model)
        }
        "authorization" => upstream(
            &entry,
            "authorization header",
            Some(expected.as_str()),
            entry.header("authorization"),
        ),
        "a request routed as" => {
            // The client addressed the route by this name; one request reached the vLLM server
            // on its embeddings path, and it answered.
            assert_eq!(
                expected,
                workshop::MODEL_NAME,
                "the workshop's route is {}",
                workshop::MODEL_NAME
            );
            upstream(
                &entry,
                "the routed request's path",
                workshop::UPSTREAM_PATH,
                entry.path.as_str(),
            )?;
            upstream(&entry, "the routed request's status", 200, entry.status)
        }
        "its address reached" => {
            // The gateway was given `expected` for vLLM. Where its own log names the endpoint
            // it connected to, that must be where the mock listens; otherwise the Host it sent
            // upstream must be the address it was given.
            let record = world.access_record().await;
            match &record.endpoint {
                Some(endpoint) => {
                    let listening = world
                        .target()
                        .mock_endpoints()
                        .await
                        .expect("the mock's endpoints are known");
                    if listening.contains(endpoint) {
                        return Ok(());
                    }
                    Err(Mismatch {
                        hop: Hop::GatewayToUpstream,
                        what: "the endpoint the gateway connected to, as its log names it".to_owned(),
                        expected: format!("one of {listening:?}, where the mock listens ({expected} as given)"),
                        seen: format!("{endpoint:?}"),
                        evidence: format!("  gateway logged: {}\n{}", record.line, entry_evidence(&entry)),
                    })
                }
                None => upstream(
                    &entry,
                    "host header: the address the gateway was given",
                    Some(expected.as_str()),
                    entry.header("host"),
                ),
            }
        }
        _ => unreachable!("the regex lists the aspects"),
    }
}

#[then(regex = r#"^the upstream saw path "(.+)" because the backend's path override applies to every route$"#)]
async fn saw_overridden_path(world: &mut WorkshopWorld, expected: String) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    upstream(
        &entry,
        "path (the backend's path override)",
        expected.as_str(),
        entry.path.as_str(),
    )
}

#[then(
    regex = r#"^the upstream saw method "(.+)" and path "(.+)" because the backend's path override applies to every route$"#
)]
async fn saw_method_and_overridden_path(
    world: &mut WorkshopWorld,
    method: String,
    path: String,
) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    upstream(&entry, "method", method.as_str(), entry.method.as_str())?;
    upstream(
        &entry,
        "path (the backend's path override)",
        path.as_str(),
        entry.path.as_str(),
    )
}

#[then(expr = "the upstream saw the host:")]
async fn saw_host(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let expected = cell_for_target(world, step, "host");
    upstream(&entry, "host header", Some(expected.as_str()), entry.header("host"))
}

#[then(expr = "the upstream body is byte for byte the client's body")]
async fn body_as_sent(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let sent = world.last().request.body.clone().unwrap_or_default();
    upstream(
        &entry,
        "body",
        String::from_utf8_lossy(&sent).into_owned(),
        String::from_utf8_lossy(&entry.body_bytes()).into_owned(),
    )
}

#[then(expr = "the upstream body has:")]
async fn body_fields(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let body = entry.body_json().unwrap_or(Value::Null);
    for row in table_rows(step) {
        let field = &row[0].1;
        let expected: Value = serde_json::from_str(&row[1].1).expect("the table's value is JSON");
        upstream(
            &entry,
            &format!("body field `{field}`"),
            &expected,
            &body[field.as_str()],
        )?;
    }
    Ok(())
}

#[then(expr = "the upstream answered {int}")]
async fn upstream_status(world: &mut WorkshopWorld, status: u16) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    upstream(&entry, "the upstream's status", status, entry.status)
}

#[then(expr = "the mock's log ends with a block with {string} and {string}")]
async fn log_block(world: &mut WorkshopWorld, first: String, second: String) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let log = world.target().mock_log().await.expect("the mock's log is readable");
    let block = last_block(&log).unwrap_or_default();
    let has = |line: &str| block.lines().any(|l| l == line);
    let found = has(&first) && has(&second) && block.lines().any(|l| l == "Headers:");
    if found {
        return Ok(());
    }
    Err(Mismatch {
        hop: Hop::GatewayToUpstream,
        what: "the mock's log, as `kubectl logs` shows it".to_owned(),
        expected: format!("a block with {first:?} and {second:?}"),
        seen: block.to_owned(),
        evidence: entry_evidence(&entry),
    })
}

/// The last `=== REQUEST ===` block of a log, through its closing line.
fn last_block(log: &str) -> Option<&str> {
    let start = log.rfind("=== REQUEST ===")?;
    let rest = &log[start..];
    let end = rest
        .find("\n===============")
        .map_or(rest.len(), |i| i + "\n===============".len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::last_block;

    #[test]
    fn finds_the_last_block() {
        let log = "Mock vLLM server listening on :8000\n\n=== REQUEST ===\nPath: /a\n===============\n\n=== REQUEST ===\nPath: /b\nResponse: x\n===============\n";
        assert_eq!(
            last_block(log),
            Some("=== REQUEST ===\nPath: /b\nResponse: x\n===============")
        );
        assert_eq!(last_block("nothing"), None);
    }
}
