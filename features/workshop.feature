Feature: Self-hosted vLLM embeddings with Agent Gateway
  The workshop's steps, each checked where the workshop has a person read `kubectl get` or
  `kubectl logs`: what the client sent to the gateway, what the gateway sent upstream, and
  what came back. On `direct` and `container` there is no gateway: the client plays its part
  and talks to the mock itself. Where a target does differently from the workshop's words, the
  tables below say what is true on that target.

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
    Then the client sent:
      | target       | path           | authorization               |
      | direct       | /v1/embeddings | Bearer <api key>            |
      | container    | /v1/embeddings | Bearer <api key>            |
      | litellm      | /v1/embeddings | Bearer <litellm master key> |
      | agentgateway | /qwen3         | none                        |
      | kind         | /qwen3         | none                        |
    And the client gets status 200
    And the client gets the workshop's embedding for the model the target answers as:
      | target       | model                       |
      | direct       | /apps/ecs_mounts/data/q3.6b |
      | container    | /apps/ecs_mounts/data/q3.6b |
      | litellm      | qwen3                       |
      | agentgateway | /apps/ecs_mounts/data/q3.6b |
      | kind         | /apps/ecs_mounts/data/q3.6b |
    And the upstream saw path "/v1/embeddings"
    And the upstream saw authorization "Bearer <api key>"
    And the upstream saw the host:
      | target       | host                                                 | why                                                         |
      | direct       | <mock address>                                       |                                                             |
      | container    | <mock address>                                       |                                                             |
      | litellm      | <mock address>                                       | api_base                                                    |
      | agentgateway | <gateway address>                                    | known gap: standalone agentgateway forwards the client's Host |
      | kind         | mock-vllm.enterprise-agentgateway.svc.cluster.local  | the workshop's expected log                                 |

  @not-target.litellm
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

  Scenario: Step 6 - the mock's log shows the workshop's block
    Given the workshop is set up on the target
    When the client sends the workshop's embeddings request through the gateway
    Then the mock's log ends with a block with "Path: /v1/embeddings" and "Response: embedding with 10 dims"

  @agentgateway
  Scenario: The chat route is parsed as Completions
    Given the workshop is set up on the target
    When the client sends a chat completion through the gateway
    Then the upstream saw the body's model "/apps/ecs_mounts/data/q3.6b"
    And the upstream saw path "/v1/embeddings" because the backend's path override applies to every route
    And the client gets status 400

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
      | target       | status |
      | direct       | 401    |
      | container    | 401    |
      | litellm      | 401    |
      | agentgateway | 401    |
      | kind         | 401    |

  @kubernetes
  Scenario: Cleanup - every resource is gone
    Given the workshop is set up on the target
    When the workshop's resources are deleted
    Then none of the six resources exists
