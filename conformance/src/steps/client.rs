//! The client → gateway hop: how the client sends, and what the gateway's own log says arrived.

use cucumber::gherkin::Step;
use cucumber::{then, when};

use super::row_for_target;
use crate::client::Call;
use crate::hop::{Mismatch, arrived};
use crate::workshop;
use crate::world::WorkshopWorld;

#[when(expr = "the client sends the workshop's embeddings request with the OpenAI Python SDK")]
async fn send_with_sdk(world: &mut WorkshopWorld) {
    world.send_with_sdk(workshop::TEXT).await;
}

#[when(expr = "the client sends the workshop's embeddings request through the gateway with authorization {string}")]
async fn send_with_own_authorization(world: &mut WorkshopWorld, authorization: String) {
    let authorization = world.expand(&authorization);
    let request = world
        .target()
        .route()
        .request(Call::Embeddings, Some(world.workshop_body()))
        .with_header("authorization", authorization);
    world.send(request).await;
}

/// The gateway's access record of the client's last request, column by column of the row for
/// the target (`-` for a field the gateway does not log).
#[then(expr = "the gateway logged the request:")]
async fn gateway_logged(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let record = world.access_record().await;
    let exchange = world.last();
    for (column, expected) in row_for_target(world, step) {
        let expected = world.expand(&expected);
        let seen = match column.as_str() {
            "target" | "why" => continue,
            "route" => record.route.clone(),
            "method" => Some(record.method.clone()),
            "path" => Some(record.path.clone()),
            "status" => record.status.map(|s| s.to_string()),
            other => panic!("the table has a column `{other}` that no access log has"),
        };
        let seen = seen.unwrap_or_else(|| "-".to_owned());
        arrived(&record, exchange, &format!("the gateway's {column}"), expected, seen)?;
    }
    Ok(())
}
