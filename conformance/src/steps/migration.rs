//! The LiteLLM side of the migration (`features/migration.feature`).

use cucumber::when;

use crate::world::WorkshopWorld;

#[when(expr = "the client sends the workshop's embeddings request to the LiteLLM model {string}")]
async fn send_to_litellm_model(world: &mut WorkshopWorld, model_name: String) {
    let entries = world
        .target()
        .model_entries()
        .expect("a @target.litellm scenario runs on a gateway with model entries");
    let request = entries.request_for_model(&model_name, world.workshop_body());
    world.send(request).await;
}
