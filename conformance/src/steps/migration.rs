//! The LiteLLM side of the migration (`features/migration.feature`).

use cucumber::when;

use crate::targets::litellm::Litellm;
use crate::world::WorkshopWorld;

#[when(expr = "the client sends the workshop's embeddings request to the LiteLLM model {string}")]
async fn send_to_litellm_model(world: &mut WorkshopWorld, model_name: String) {
    let litellm = world
        .target
        .as_any()
        .downcast_ref::<Litellm>()
        .expect("a @target.litellm scenario runs on the litellm target");
    let request = litellm.request_for_model(&model_name, &world.workshop_body());
    world.send(request).await;
}
