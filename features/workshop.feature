Feature: Self-hosted vLLM embeddings with Agent Gateway
  The workshop's steps, each checked where the workshop has a person read `kubectl get` or
  `kubectl logs`: what the client sent to the gateway, what the gateway sent upstream, and
  what came back. The client's hop is read from the gateway's own access log; on `direct` and
  `container` there is no gateway: the client plays its part, talks to the mock itself, and the
  mock's journal is the record of that hop. Where a target does differently from the workshop's
  words, the tables below say what is true on that target; a target without a row of its own
  is held to the `default` row.

  Scenario: Step 1 - the mock vLLM server is deployed and ready
    When the mock vLLM server is deployed
    Then the mock vLLM server is ready within 60 seconds

  @kubernetes
  Scenario: Step 2 - the API key secret
    Given the mock vLLM server is deployed
    When the Secret "vllm-secret" is applied with the API key under "Authorization"
    Then the Secret "vllm-secret" holds the API key under "Authorization"

  @kubernetes
  Scenario: Step 3 - the AgentgatewayBackend
    When the AgentgatewayBackend "qwen3" is applied
    Then the AgentgatewayBackend "qwen3" is Accepted at status.conditions[0]

  @kubernetes
  Scenario: Step 4 - the HTTPRoute on /qwen3
    When the HTTPRoute "qwen3" is applied
    Then the HTTPRoute "qwen3" is Accepted at status.parents[0].conditions[0]

  @kubernetes
  Scenario: Step 5 - the AgentgatewayPolicy with route types
    When the AgentgatewayPolicy "qwen3-embeddings" is applied
    Then the AgentgatewayPolicy "qwen3-embeddings" is Accepted at status.ancestors[0].conditions[0]

  Scenario: Step 6 - the embeddings request through /qwen3
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the gateway logged the request:
      | target       | route             | method | path           | status | why                                         |
      | default      | -                 | POST   | /v1/embeddings | 200    | no gateway: the mock's journal is this hop  |
      | litellm      | -                 | POST   | /v1/embeddings | 200    | uvicorn's access line names no route        |
      | agentgateway | default/qwen3     | POST   | /qwen3         | 200    |                                             |
      | nginx        | -                 | POST   | /qwen3         | 200    | `location = /qwen3`                         |
      | kind         | <namespace>/qwen3 | POST   | /qwen3         | 200    |                                             |
    And the client gets status 200
    And the client gets the workshop's embedding for the model the target answers as:
      | target  | model                       |
      | default | /apps/ecs_mounts/data/q3.6b |
      | litellm | qwen3                       |
    And the upstream saw path "/v1/embeddings"
    And the upstream saw authorization "Bearer <api key>"
    And the upstream saw the host:
      | target       | host           | why                                                                     |
      | default      | <mock address> | the client's, or LiteLLM's from api_base                                |
      | agentgateway | <mock host>    | the backend's host name, its port dropped (seen on agentgateway d579b414f) |
      | kind         | <mock host>    | mock-vllm.<namespace>.svc.cluster.local, the workshop's expected log    |

  @openai-sdk
  Scenario: Step 6 through the OpenAI Python SDK, as an application sends it
    An SDK client is given base_url <gateway>/qwen3/v1 on Agent Gateway and posts to
    /qwen3/v1/embeddings, which the route-type policy's "/v1/embeddings" entry routes (the
    workshop's curl, posting to /qwen3, is routed by its "*" entry). It sends a key of its own
    and asks for base64, as the SDK does by default.
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request with the OpenAI Python SDK
    Then the gateway logged the request:
      | target       | route             | method | path                 | status |
      | default      | -                 | POST   | /v1/embeddings       | 200    |
      | agentgateway | default/qwen3     | POST   | /qwen3/v1/embeddings | 200    |
      | nginx        | -                 | POST   | /qwen3/v1/embeddings | 200    |
      | kind         | <namespace>/qwen3 | POST   | /qwen3/v1/embeddings | 200    |
    And the client gets status 200
    And embedding 0 decodes from base64 to the workshop's vector in float32
    And the upstream saw path "/v1/embeddings"
    And the upstream saw authorization "Bearer <api key>"

  @gateway @injects-key
  Scenario: A client's own Authorization is replaced by the Secret's key upstream
    The client presents a key of its own (on LiteLLM, the proxy's master key, which is the
    only key it accepts); upstream, vLLM must see the key the gateway holds, and never the
    client's.
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway with authorization "Bearer <client key>"
    Then the client gets status 200
    And the upstream saw authorization "Bearer <api key>"

  @not-target.litellm @not-target.sglang-router
  Scenario: Step 6 - Passthrough forwards the body as the client sent it
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the upstream body is byte for byte the client's body

  @target.litellm
  Scenario: Step 6 on LiteLLM - the body is rewritten for hosted_vllm
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the upstream body has:
      | field           | value                                                    |
      | model           | "/apps/ecs_mounts/data/q3.6b"                            |
      | input           | ["The food was delicious and the waiter was friendly."] |
      | encoding_format | "float"                                                  |
      | mode            | "embedding"                                              |

  @target.sglang-router
  Scenario: Step 6 on sglang-router - the body is parsed and sent again, compact
    The router reads the request as its own OpenAI type and serialises it again: the fields
    vLLM reads arrive, the client's formatting does not.
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the upstream body has:
      | field           | value                                                  |
      | model           | "/apps/ecs_mounts/data/q3.6b"                          |
      | input           | "The food was delicious and the waiter was friendly." |
      | encoding_format | "float"                                                |

  Scenario: Step 6 - the mock's log shows the workshop's block
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the mock's log ends with a block with "Path: /v1/embeddings" and "Response: embedding with 10 dims"

  @agentgateway
  Scenario: The chat route is parsed as Completions, then answered by vLLM's embeddings endpoint
    The path override sends the chat request to /v1/embeddings, where vLLM embeds a chat
    conversation (its chat-style embeddings request): the chat client gets an embedding, and
    no reply.
    Given the workshop is set up on the target
    When the client sends a chat completion through the gateway
    Then the upstream saw the body's model "/apps/ecs_mounts/data/q3.6b"
    And the upstream saw path "/v1/embeddings" because the backend's path override applies to every route
    And the upstream answered 200
    And the client gets status 200
    And the client gets an embeddings list and no chat choices

  @agentgateway
  Scenario: /v1/models is a Passthrough route
    Given the workshop is set up on the target
    When the client sends GET "/v1/models" through the gateway
    Then the upstream saw method "GET" and path "/v1/embeddings" because the backend's path override applies to every route
    And the client gets status 405

  Scenario: When the upstream rejects the key, the client is told
    Given the workshop is set up on the target
    And the vLLM server's API key is rotated to "sk-rotated-upstream"
    When the client sends the workshop's embeddings request through the gateway
    Then the upstream answered 401
    And the client gets status:
      | target  | status |
      | default | 401    |

  @kubernetes
  Scenario: Cleanup - every resource is gone
    Given the workshop is set up on the target
    When the workshop's resources are deleted
    Then none of the six resources exists
