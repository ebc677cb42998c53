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

  Scenario: A client that sends no key: who turns it away?
    vLLM checks its `--api-key`; a gateway that injects the Secret's key lets any client
    through unless it checks clients itself.
    When the client sends the workshop's embeddings request through the gateway without a key
    Then the client's answer came from:
      | target        | answered by | status | why                                                              |
      | default       | vLLM        | 401    |                                                                  |
      | litellm       | the gateway | 500    | "Internal Server Error" as text, not its 401                     |
      | agentgateway  | vLLM        | 200    | it sends the Secret's key for any client: the workshop sets no client auth |
      | nginx         | vLLM        | 200    | it sends the Secret's key for any client                         |
      | sglang-router | the gateway | 401    | its --api-key (the Secret's key) is checked on the client too    |
      | kind          | vLLM        | 200    |                                                                  |

  Scenario: The key vLLM gets: how many Authorization headers
    When the client sends the workshop's embeddings request through the gateway
    Then the client gets status 200
    And vLLM got this many Authorization headers:
      | target        | headers | why                                                    |
      | default       | 1       |                                                        |
      | sglang-router | 2       | the client's, passed on, and its own --api-key's, the same |

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

  @route-prefix
  Scenario: A path that only begins with the route's prefix
    The workshop's HTTPRoute matches the path prefix `/qwen3`. Gateway API matches a prefix
    by whole path elements, so `/qwen3foo` is not on the route; a plain string prefix (nginx's
    `location /qwen3` without `=`) would send it to vLLM as `/v1/embeddingsfoo`.
    When the client posts the workshop's embeddings request to the route's prefix with "foo" after it
    Then the client gets an answer:
      | target  | answer | why |
      | default | 404    |     |
    And vLLM got these POST requests:
      | target  | paths |
      | default | -     |

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
  # documented configuration, on a route of its own: LiteLLM's `timeout`, `fallbacks` and a
  # model group of two deployments; agentgateway's `timeout` route policy, provider groups
  # (with a `health` policy for the failover) and a route whose path override is chat's;
  # nginx's `proxy_read_timeout`, an `upstream` of two servers for each of the failover and
  # balanced routes (with `proxy_next_upstream http_503 non_idempotent` for the failover) and
  # `proxy_buffering off`. sglang-router's time-out, workers and policy are flags of the whole
  # router, so it is started again with them: `--request-timeout-secs 2`; both replicas as
  # `--worker-urls`, with `--policy round_robin` for the failover (its default `cache_aware`
  # keeps a prompt on the worker it picked, retries too) and `--health-check-interval-secs 1`
  # (`@health-checks`: the one gateway here that checks vLLM's `/health` itself). LiteLLM and
  # sglang-router stream on the workshop's own route. They run on the gateways the suite
  # starts itself.
  #
  # An answer's cost is written `503 (1 + 0)`: its status, then how many calls the first and
  # the second replica journaled while the client waited for it. `in order:` lists every answer
  # of a gateway that decides the same way each time; `each one of:` lists what each answer
  # may have cost on one that picks a replica at random.

  @configured
  Scenario: A 2 s request time-out, and a vLLM that takes 5 s
    Given vLLM takes 5 seconds to answer embeddings requests
    When the client sends the workshop's embeddings request on the time-out route
    Then the client gets an answer:
      | target        | answer | why                                                                  |
      | litellm       | 408    | LiteLLM's timeout error, after trying three times                     |
      | agentgateway  | 504    | "request timeout", as text                                            |
      | nginx         | 504    | proxy_read_timeout 2s; nginx's HTML page                              |
      | sglang-router | 500    | call_upstream_request_error after 5 attempts of 2 s: the time-out is each attempt's |
    And vLLM was called this many times for the client's one request:
      | target        | calls |
      | litellm       | 3     |
      | agentgateway  | 1     |
      | nginx         | 1     |
      | sglang-router | 5     |
    And every call vLLM saw was cancelled by the gateway

  @configured
  Scenario: A failover to a second vLLM replica when the first answers 503
    Given vLLM answers every embeddings request with status 503
    When the client sends the workshop's embeddings request on the failover route
    And the client sends the workshop's embeddings request on the failover route again
    Then each answer the client got, with the calls it cost vLLM's two replicas:
      | target        | answers                                | why                                                                         |
      | litellm       | in order: 200 (3 + 1), 200 (3 + 1)     | three tries on vLLM, then the fallback, within each request                 |
      | agentgateway  | in order: 503 (1 + 0), 200 (0 + 1)     | the 503 reaches the client; the health policy evicts vLLM for the next one  |
      | nginx         | in order: 200 (1 + 1), 200 (0 + 1)     | proxy_next_upstream http_503 non_idempotent; max_fails=1 sets vLLM aside    |
      | sglang-router | each one of: 200 (1 + 1), 200 (0 + 1)  | round robin: a retry goes to the next worker; where its turn starts varies |
    And the client's last answer came from the second replica

  @configured
  Scenario: Two vLLM replicas behind one route: which one takes each request
    When the client sends the workshop's embeddings request on the balanced route 12 times
    Then each answer the client got, with the calls it cost vLLM's two replicas:
      | target  | answers                              |
      | default | each one of: 200 (1 + 0), 200 (0 + 1) |
    And vLLM's two replicas took the client's requests in turn:
      | target        | turns       | why                                                            |
      | litellm       | both        | simple-shuffle, its default routing: a deployment at random    |
      | agentgateway  | both        | power of two random choices, by each provider's score          |
      | nginx         | alternating | round robin                                                    |
      | sglang-router | one         | cache_aware: the same prompt goes to the worker that served it |

  @configured
  Scenario: Two vLLM replicas behind one route, and the first resets every connection
    Given vLLM resets the connection of every embeddings request
    When the client sends the workshop's embeddings request on the balanced route 4 times
    Then each answer the client got, with the calls it cost vLLM's two replicas:
      | target        | answers                                                        | why                                                                                    |
      | litellm       | each one of: 200 (0 + 1), 200 (1 + 1), 200 (2 + 1), 500 (3 + 0) | each of its three tries picks a deployment at random; all three on vLLM is a 500       |
      | agentgateway  | each one of: 503 (1 + 0), 200 (0 + 1)                          | a reset is its own 503, not tried again; with no health policy vLLM stays in the group  |
      | nginx         | in order: 502 (1 + 0), 200 (0 + 1), 200 (0 + 1), 200 (0 + 1)   | a POST is not tried again (its 502); max_fails=1 then sets vLLM aside for 10 s          |
      | sglang-router | each one of: 500 (5 + 0), 200 (0 + 1)                          | a prompt stays on the worker it picked, its 5 attempts too; 10 failures open the circuit breaker |

  @configured
  Scenario: Two vLLM replicas behind one route, the first resets, and the client lists the models
    A GET is idempotent, so a gateway may try it again where it does not try a POST.
    Given vLLM resets the connection of every models request
    When the client lists the models on the balanced route 4 times
    Then each answer the client got, with the calls it cost vLLM's two replicas:
      | target        | answers                                                      | why                                                                          |
      | litellm       | in order: 200 (0 + 0), 200 (0 + 0), 200 (0 + 0), 200 (0 + 0) | it lists its own model entries                                               |
      | agentgateway  | each one of: 405 (1 + 0), 405 (0 + 1)                        | the route's path override sends the GET to vLLM's /v1/embeddings              |
      | nginx         | in order: 200 (1 + 1), 200 (0 + 1), 200 (0 + 1), 200 (0 + 1) | the GET is tried again on the second (not a POST); max_fails=1 sets vLLM aside |
      | sglang-router | in order: 200 (0 + 0), 200 (0 + 0), 200 (0 + 0), 200 (0 + 0) | it answers /v1/models itself                                                 |

  @configured
  Scenario: A streamed chat completion on a route configured for streaming
    Given vLLM streams at 100 ms between tokens
    When the client streams a chat completion of 8 tokens on the streaming route
    Then the stream reached the client as vLLM sent it:
      | target  | streamed | why |
      | default | yes      |     |

  @configured
  Scenario: A client that hangs up mid-stream on a route configured for streaming
    Given vLLM streams at 100 ms between tokens
    When the client streams a chat completion of 8 tokens on the streaming route and hangs up after the first chunk
    Then vLLM stopped the stream when the client hung up:
      | target  | stopped |
      | default | yes     |

  @configured @health-checks
  Scenario: vLLM's health check fails, then recovers: does the gateway take vLLM out, and back?
    Given the gateway runs configured for the health-checked route
    And vLLM's health check answers 503
    When the client sends the workshop's embeddings request on the health-checked route after 5 seconds
    And vLLM's health check answers 200 again
    And the client sends the workshop's embeddings request on the health-checked route after 5 seconds
    Then each answer the client got, with the calls it cost vLLM's two replicas:
      | target        | answers                            | why                                                                                 |
      | sglang-router | in order: 503 (0 + 0), 200 (1 + 0) | 3 failed checks take the worker out (its own 503 no_available_workers), 2 good ones bring it back |
