Feature: What the gateway does when vLLM is slow, failing or streaming
  A gateway is chosen for what it does when the model server misbehaves. The mock plays a
  vLLM that fails, resets, stalls and streams; each scenario says what reached the client and
  what vLLM saw. The workshop's configuration sets no retries, time-outs or fallbacks, so the
  tables show each gateway's defaults. The `default` row is vLLM itself, as a client talking to
  it directly meets it (the direct and container targets); each gateway's row was seen by
  running it (LiteLLM 1.108.7, agentgateway d579b414f, nginx 1.22.1, sglang-router 0.3.2); a
  gateway without a row of its own did what vLLM does; the kind rows are agentgateway's, not
  yet run on a cluster with its controller.

  Background:
    Given the workshop is set up on the target

  Scenario Outline: vLLM answers <status>: the status, the body and the retries the client gets
    Given vLLM answers every embeddings request with status <status> and Retry-After 1
    When the client sends the workshop's embeddings request through the gateway
    Then the client gets status <status>
    And the client gets the error body:
      | target  | body                                  |
      | default | vLLM's, unchanged                     |
      | litellm | the gateway's, quoting vLLM's message |
    And the client gets Retry-After:
      | target  | retry-after | why                                        |
      | default | 1           |                                            |
      | litellm | -           | LiteLLM sends it as llm_provider-retry-after |
    And vLLM was called this many times for the client's one request, at status <status>:
      | target        | calls at 400 | calls at 429 | calls at 500 | calls at 503 | why                                          |
      | default       | 1            | 1            | 1            | 1            |                                              |
      | litellm       | 1            | 3            | 3            | 3            | LiteLLM retries twice by default, not a 400 |
      | sglang-router | 1            | 5            | 5            | 5            | 5 attempts (--retry-max-retries) on 408, 429 and 5xx |

    Examples:
      | status |
      | 400    |
      | 429    |
      | 500    |
      | 503    |

  Scenario: vLLM resets the connection
    Given vLLM resets the connection of every embeddings request
    When the client sends the workshop's embeddings request through the gateway
    Then the client gets an answer:
      | target       | answer | why                                                 |
      | default      | none   | the connection is reset                             |
      | litellm      | 500    | with "Connection reset by peer" in LiteLLM's body   |
      | agentgateway | 503    | "upstream call failed: ... Connection reset by peer" |
      | nginx        | 502    | nginx's HTML page; a POST is not tried again         |
      | sglang-router | 500   | its own JSON error, code call_upstream_request_error |
      | kind         | 503    |                                                     |
    And vLLM was called this many times for the client's one request:
      | target        | calls |
      | default       | 1     |
      | litellm       | 3     |
      | sglang-router | 5     |

  Scenario: A client that gives up on a slow vLLM: is vLLM's request cancelled?
    Given vLLM takes 3 seconds to answer embeddings requests
    When the client sends the workshop's embeddings request through the gateway, giving up after 1 second
    Then the client gets an answer:
      | target  | answer |
      | default | none   |
    And vLLM saw the request cancelled when the client gave up:
      | target  | cancelled | why                                               |
      | default | yes       |                                                   |
      | litellm | no        | the upstream request runs to its end after the client left |

  Scenario: The client's X-Request-Id
    When the client sends the workshop's embeddings request through the gateway with X-Request-Id "req-conformance-1"
    Then the client gets status 200
    And vLLM saw the client's X-Request-Id:
      | target  | x-request-id      |
      | default | req-conformance-1 |
      | litellm | -                 |

  Scenario: A field of vLLM's own API reaches vLLM
    vLLM takes fields beyond OpenAI's (`truncate_prompt_tokens`, `use_activation`, ...); a
    gateway that reads the request as its own OpenAI type may drop them on the way.
    When the client sends the workshop's embeddings request through the gateway with vLLM's "truncate_prompt_tokens" set to 3
    Then the client gets status 200
    And vLLM got the request's "truncate_prompt_tokens":
      | target        | truncate_prompt_tokens | why                                                                  |
      | default       | 3                      |                                                                      |
      | sglang-router | -                      | it parses the body as its OpenAI type and drops what that type lacks |

  Scenario: A body that is not JSON: who answers?
    When the client sends a body that is not JSON through the gateway
    Then the client's answer came from:
      | target        | answered by | status | why                                                    |
      | default       | vLLM        | 400    | its JSON decode error                                  |
      | litellm       | the gateway | 400    | "Invalid JSON payload: ...", its own error body       |
      | sglang-router | the gateway | 400    | "Failed to parse the request body as JSON: ...", as text |

  Scenario: A large batch
    When the client sends a batch of 2000 inputs of 50 words through the gateway
    Then the client gets status 200
    And the client gets 2000 embeddings and vLLM got all 2000 inputs

  Scenario: vLLM closed the idle connection the gateway pooled
    When the client sends the workshop's embeddings request through the gateway
    And the client sends the workshop's embeddings request through the gateway again after 6 seconds idle
    Then the client gets status 200
    And vLLM was called this many times for the client's one request:
      | target  | calls |
      | default | 1     |

  Scenario: A streamed chat completion passes through as vLLM paces it
    Given vLLM streams at 100 ms between tokens
    When the client streams a chat completion of 8 tokens through the gateway
    Then the stream reached the client as vLLM sent it:
      | target       | streamed                                        | why                                                |
      | default      | yes                                             |                                                    |
      | agentgateway | no: vLLM's /v1/embeddings answered it whole     | the workshop's path override sends chat to embeddings |
      | nginx        | buffered                                        | proxy_buffering is on by default                   |
      | kind         | no: vLLM's /v1/embeddings answered it whole     |                                                    |

  Scenario: A client that hangs up mid-stream: does vLLM stop?
    Given vLLM streams at 100 ms between tokens
    When the client streams a chat completion of 8 tokens through the gateway and hangs up after the first chunk
    Then vLLM stopped the stream when the client hung up:
      | target       | stopped                                     |
      | default      | yes                                         |
      | agentgateway | no: vLLM's /v1/embeddings answered it whole |
      | nginx        | no: it ran to its end                       |
      | kind         | no: vLLM's /v1/embeddings answered it whole |

  # The scenarios below configure the gateway beyond the workshop, each through the gateway's
  # documented configuration, on a route of its own: LiteLLM's `timeout` and `fallbacks`,
  # agentgateway's `timeout` route policy and provider groups with a `health` policy, nginx's
  # `proxy_read_timeout` and `proxy_next_upstream http_503 non_idempotent`. They run on the
  # gateways the suite starts itself that have such routes (sglang-router's time-out and
  # retries are flags of the whole router, not of a route).

  @configured
  Scenario: A 2 s request time-out, and a vLLM that takes 5 s
    Given vLLM takes 5 seconds to answer embeddings requests
    When the client sends the workshop's embeddings request on the time-out route
    Then the client gets an answer:
      | target       | answer | why                                                      |
      | litellm      | 408    | LiteLLM's timeout error, after trying three times         |
      | agentgateway | 504    | "request timeout", as text                                |
      | nginx        | 504    | proxy_read_timeout 2s; nginx's HTML page                  |
    And vLLM was called this many times for the client's one request:
      | target       | calls |
      | litellm      | 3     |
      | agentgateway | 1     |
      | nginx        | 1     |
    And every call vLLM saw was cancelled by the gateway

  @configured
  Scenario: A failover to a second vLLM replica when the first answers 503
    Given vLLM answers every embeddings request with status 503
    When the client sends the workshop's embeddings request on the failover route
    And the client sends the workshop's embeddings request on the failover route again
    Then the client's answers had the statuses:
      | target       | statuses | why                                                                    |
      | litellm      | 200, 200 | LiteLLM falls back to the replica within the request that failed       |
      | agentgateway | 503, 200 | agentgateway evicts the failing vLLM; the next request goes to the replica |
      | nginx        | 200, 200 | proxy_next_upstream http_503 non_idempotent; max_fails=1 sets vLLM aside |
    And vLLM's two replicas were called:
      | target       | first | second |
      | litellm      | 6     | 2      |
      | agentgateway | 1     | 1      |
      | nginx        | 1     | 2      |
    And the client's last answer came from the second replica
