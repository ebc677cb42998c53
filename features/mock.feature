@mock
Feature: mock-vllm, the workshop's mock vLLM server
  The workshop proves its gateway with a mock of vLLM that prints each request and answers
  /v1/embeddings with numbers derived from sha256 of the input. mock-vllm answers exactly so,
  answers as vLLM does where the workshop's mock did not go, and journals every request.

  Background:
    Given the mock vLLM server is running

  Scenario: The workshop's request gets the workshop's numbers
    When the client sends the workshop's embeddings request to the mock
    Then the client gets status 200
    And the client gets the workshop's embedding for model "/apps/ecs_mounts/data/q3.6b"
    And the mock journaled 1 request to "/v1/embeddings"

  Scenario Outline: Every input shape gets one embedding per input
    When the client embeds <input>
    Then the client gets status 200
    And the client gets <count> embeddings indexed in order
    And the usage counts <tokens> prompt tokens

    Examples:
      | input                                | count | tokens |
      | "one two three"                      | 1     | 3      |
      | ["first text", "second text here"]   | 2     | 5      |
      | [101, 2023, 102]                     | 1     | 3      |
      | [[101, 2023], [102]]                 | 2     | 3      |

  Scenario: Token ids are hashed as the text of a Python list
    When the client embeds [1, 2, 3]
    And the client embeds "[1, 2, 3]"
    Then the last two embeddings are equal

  Scenario: base64 carries the same vector as little-endian float32
    When the client sends the workshop's embeddings request to the mock with encoding_format "base64"
    Then the client gets status 200
    And embedding 0 decodes from base64 to the workshop's vector in float32

  Scenario Outline: dimensions extend the vector and keep the workshop's prefix
    When the client sends the workshop's embeddings request to the mock with <dimensions> dimensions
    Then the client gets status 200
    And embedding 0 has <dimensions> values starting with the workshop's first <prefix>

    Examples:
      | dimensions | prefix |
      | 4          | 4      |
      | 10         | 10     |
      | 1024       | 10     |

  Scenario: Without the API key the mock answers 401 as vLLM does
    Given the mock requires the API key "sk-mock-only"
    When the client sends the workshop's embeddings request to the mock without a key
    Then the client gets status 401
    And the client gets the body {"error": "Unauthorized"}
    And the mock's last journal entry has status 401 and no authorization header

  Scenario Outline: Bad input gets vLLM's error body
    When the client posts <body> to "/v1/embeddings" on the mock
    Then the client gets status <status>
    And the client gets a vLLM error of type "<type>"

    Examples:
      | body                               | status | type            |
      | {"input": 5}                       | 400    | Bad Request     |
      | {"model": "qwen3"}                 | 400    | Bad Request     |
      | {"input": ""}                      | 400    | BadRequestError |
      | {"input": "x", "dimensions": 0}    | 400    | BadRequestError |
      | {"input": "x", "encoding_format": "int8"} | 400 | Bad Request  |
      | {"input":                          | 400    | Bad Request     |

  Scenario: An unknown path is a 404 that names the path
    When the client sends GET "/v1/nowhere" to the mock
    Then the client gets status 404
    And the client gets a vLLM error of type "Not Found" mentioning "/v1/nowhere"

  Scenario: The journal keeps every request, failures included, in order
    When the client sends the workshop's embeddings request to the mock
    And the client posts {"input": 5} to "/v1/embeddings" on the mock
    And the client sends GET "/v1/models" to the mock
    Then the mock journaled these requests:
      | method | path           | status |
      | POST   | /v1/embeddings | 200    |
      | POST   | /v1/embeddings | 400    |
      | GET    | /v1/models     | 200    |

  Scenario: A test can wait for requests to arrive
    Given a test waits for 2 requests to "/v1/embeddings"
    When the client sends the workshop's embeddings request to the mock
    And the client sends the workshop's embeddings request to the mock
    Then the wait ends with 2 requests

  Scenario: The first two embeddings requests get 429 with Retry-After, the third is answered
    Given the rule "rate-limit-twice" answers the first 2 requests to "/v1/embeddings" with status 429 and Retry-After 1
    When the client sends the workshop's embeddings request to the mock
    And the client sends the workshop's embeddings request to the mock
    And the client sends the workshop's embeddings request to the mock
    Then the client's answers had the statuses 429, 429, 200
    And the answers with status 429 said Retry-After "1"
    And the journal shows what the mock did to each request:
      | path           | status | rule             |
      | /v1/embeddings | 429    | rate-limit-twice |
      | /v1/embeddings | 429    | rate-limit-twice |
      | /v1/embeddings | 200    | -                |
    And the rule "rate-limit-twice" acted 2 times of the 3 requests it matched

  Scenario: Streamed tokens come on the mock's time to first token and inter-token latency
    Given the mock's time to first token is 100 ms and its inter-token latency 20 ms
    When the client streams a chat completion of 6 tokens from the mock
    Then the first chunk arrived no sooner than 100 ms and the last no sooner than 200 ms
    And the mock journaled the stream as complete, with first token 100 ms and inter-token 20 ms

  Scenario: A client that hangs up mid-stream is journaled as aborted, as vLLM aborts its request
    Given the mock's time to first token is 0 ms and its inter-token latency 100 ms
    When the client hangs up after the first chunk of a streamed chat completion of 8 tokens
    Then the mock journaled the stream as aborted after fewer than 9 chunks

  Scenario: With one running slot and a queue of one, a third request at once is refused
    Given the mock's time to first token is 300 ms and its inter-token latency 0 ms
    And the mock runs 1 request at a time and queues at most 1
    When the client sends 3 embeddings requests to the mock at once
    Then the client's answers had the statuses 200, 200, 429 in some order
    And the answer with status 429 is a vLLM error of type "RateLimitError" mentioning "queue is full"
