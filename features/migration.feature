@gateway
Feature: Migrating from LiteLLM to Agent Gateway
  The workshop maps a LiteLLM model entry onto Agent Gateway resources. Each row of its table
  is checked on the target's gateway with the same client request: whichever gateway it is,
  the upstream vLLM server must see the same path, key and model, and the client must get the
  same embedding back.

  Background:
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway

  Scenario Outline: <litellm> becomes <agent gateway>
    Then the client gets status 200
    And the upstream saw <aspect> "<upstream value>"

    Examples:
      | litellm                              | agent gateway                                                      | aspect              | upstream value              |
      | model_name: qwen3                    | AgentgatewayBackend name + HTTPRoute path /qwen3                   | a request routed as | qwen3                       |
      | model: hosted_vllm//<path>           | ai.provider.openai.model: <path>                                   | the body's model    | /apps/ecs_mounts/data/q3.6b |
      | api_key: $VLLM_API_KEY               | Secret with policies.auth.secretRef                                | authorization       | Bearer <api key>            |
      | api_base: $VLLM_HOST_URL             | ai.provider.host + ai.provider.port                                | its address reached | <mock address>              |
      | mode: embedding                      | ai.provider.path: /v1/embeddings + route type Passthrough          | path                | /v1/embeddings              |

  Scenario: Both gateways return the same shape
    Then the client gets status 200
    And the client gets an embedding list with the workshop's vector and 9 prompt tokens

  @target.litellm
  Scenario: LiteLLM needs /v1 in api_base, Agent Gateway takes it from the path
    When the client sends the workshop's embeddings request to the LiteLLM model "qwen3-no-v1"
    Then the upstream saw path "/embeddings"
    And the client gets status 404
