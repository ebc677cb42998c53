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
      | {"input": []}                      | 400    | BadRequestError |
      | {"input": "x", "dimensions": 0}    | 400    | BadRequestError |
      | {"input": "x", "encoding_format": "int8"} | 400 | Bad Request  |
      | {"input": "x", "embed_dtype": "int8"}     | 400 | Bad Request  |
      | {"input": "x", "endianness": "middle"}    | 400 | Bad Request  |
      | {"input": "x", "dimensions": 5.5}         | 400 | Bad Request  |
      | {"input": "x", "normalize": true}         | 400 | BadRequestError |
      | {"input": "x", "truncate_prompt_tokens": -2}    | 400 | Bad Request     |
      | {"input": "x", "truncate_prompt_tokens": 40000} | 400 | BadRequestError |
      | {"input":                          | 400    | Bad Request     |

  Scenario: A body that does not validate is answered in pydantic's words, as vLLM answers it
    When the client posts {"input": "x", "encoding_format": "bad_format"} to "/v1/embeddings" on the mock
    Then the client gets a vLLM error of type "Bad Request" mentioning "'literal_error', 'loc': 'body.encoding_format'"
    And the answer's "/error/param" is "body.encoding_format"
    When the client posts {"input": "x", "normalize": true} to "/v1/embeddings" on the mock
    Then the client gets a vLLM error of type "BadRequestError" mentioning "Parameter `normalize` was removed; use `use_activation` instead. (parameter=normalize)"
    And the answer's "/error/param" is "normalize"

  Scenario Outline: An unknown path or method gets FastAPI's answer, as vLLM sends it
    When the client sends GET "<path>" to the mock
    Then the client gets status <status>
    And the client gets the body <body>

    Examples:
      | path             | status | body                             |
      | /v1/nowhere      | 404    | {"detail": "Not Found"}          |
      | /v1/models/qwen3 | 404    | {"detail": "Not Found"}          |
      | /v1/embeddings   | 405    | {"detail": "Method Not Allowed"} |

  Scenario Outline: base64 in every dtype and byte order vLLM encodes
    When the client posts {"input": "The food was delicious and the waiter was friendly.", "encoding_format": "base64", "embed_dtype": "<dtype>", "endianness": "<endianness>"} to "/v1/embeddings" on the mock
    Then the client gets status 200
    And embedding 0 decodes as <dtype> <endianness> to the workshop's vector within <tolerance>

    Examples:
      | dtype    | endianness | tolerance |
      | float32  | native     | 0.0000001 |
      | float32  | big        | 0.0000001 |
      | float16  | little     | 0.01      |
      | bfloat16 | big        | 0.01      |
      | fp8_e4m3 | native     | 0.04      |
      | fp8_e5m2 | little     | 0.04      |

  Scenario: The binary answer: raw bytes, and where each vector lies in a metadata header
    When the client posts {"input": "The food was delicious and the waiter was friendly.", "encoding_format": "bytes", "embed_dtype": "float16", "endianness": "big"} to "/v1/embeddings" on the mock
    Then the client gets status 200
    And the binary answer holds the workshop's vector as float16 big, placed by its metadata header
    When the client posts {"input": "The food was delicious and the waiter was friendly.", "encoding_format": "bytes_only"} to "/v1/embeddings" on the mock
    Then the client gets status 200
    And the binary answer has no metadata header

  Scenario: truncate_prompt_tokens keeps the last tokens, and usage counts what is kept
    When the client posts {"input": "one two three four five", "truncate_prompt_tokens": 2} to "/v1/embeddings" on the mock
    Then the usage counts 2 prompt tokens
    When the client embeds "four five"
    Then the last two embeddings are equal

  Scenario: A conversation is embedded as its rendered text (vLLM's chat-style embeddings)
    When the client posts {"messages": [{"role": "user", "content": "hi"}]} to "/v1/embeddings" on the mock
    Then the client gets status 200
    And the usage counts 2 prompt tokens
    When the client embeds "user: hi"
    Then the last two embeddings are equal

  Scenario: Cohere's embed API (/v2/embed) gives the same vector by type, as vLLM serves it
    When the client posts {"texts": ["The food was delicious and the waiter was friendly."], "embedding_types": ["float", "ubinary"], "output_dimension": 16} to "/v2/embed" on the mock
    Then the client gets status 200
    And the answer's "/response_type" is "embeddings_by_type"
    And the answer's "/embeddings/float/0/0" is -0.21764705882352942
    And the answer's "/embeddings/ubinary/0" has 2 items
    And the answer's "/meta/billed_units/input_tokens" is 9
    When the client posts {"texts": ["a"], "embedding_types": ["binary"]} to "/v2/embed" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "Embedding dimension must be a multiple of 8 for binary embedding types, but got 10."
    When the client posts {"input": "x"} to "/v2/embed" on the mock
    Then the client gets a vLLM error of type "Bad Request" mentioning "Exactly one of texts, images, or inputs must be provided, and it must be non-empty"

  Scenario: Several conversations in one request (/v1/chat/completions/batch) get one choice each
    When the client posts {"messages": [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "there"}]], "max_tokens": 3} to "/v1/chat/completions/batch" on the mock
    Then the client gets status 200
    And the answer's "/object" is "chat.completion"
    And the answer's "/choices" has 2 items
    And the answer's "/choices/1/index" is 1
    And the answer's "/usage/completion_tokens" is 6
    When the client posts {"messages": [[{"role": "user", "content": "hi"}]], "n": 2} to "/v1/chat/completions/batch" on the mock
    Then the client gets a vLLM error of type "BadRequestError" mentioning "Batch chat completions do not support `n > 1`. Please set `n` to 1. (parameter=n, value=2)"

  Scenario: OpenAI's Responses API (/v1/responses) answers a response object, or its stream of named events
    When the client posts {"input": "hello there", "instructions": "be brief", "max_output_tokens": 3} to "/v1/responses" on the mock
    Then the client gets status 200
    And the answer's "/object" is "response"
    And the answer's "/status" is "incomplete"
    And the answer's "/incomplete_details/reason" is "max_output_tokens"
    And the answer's "/instructions" is "be brief"
    And the answer's "/output/0/content/0/type" is "output_text"
    And the answer's "/usage/output_tokens" is 3
    When the client posts {"input": "hello there", "max_output_tokens": 2, "stream": true} to "/v1/responses" on the mock
    Then the stream's events are response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta, response.output_text.done, response.content_part.done, response.output_item.done, response.incomplete
    When the client posts {"input": "x", "previous_response_id": "resp_1"} to "/v1/responses" on the mock
    Then the client gets status 404
    And the client gets a vLLM error of type "invalid_request_error" mentioning "Response with id 'resp_1' not found."

  Scenario: Anthropic's token count (/v1/messages/count_tokens) counts the rendered conversation, as /tokenize does
    When the client posts {"model": "Qwen/Qwen3-Embedding-0.6B", "messages": [{"role": "user", "content": "hello there"}]} to "/v1/messages/count_tokens" on the mock
    Then the client gets status 200
    And the answer's "/input_tokens" is 3
    And the answer's "/context_management/original_input_tokens" is 3
    When the client posts {"messages": [{"role": "user", "content": "hello there"}]} to "/tokenize" on the mock
    Then the answer's "/count" is 3

  Scenario: An Anthropic tool round trip is counted as the chat messages vLLM makes of it
    Claude Code sends thinking, tool_use and tool_result blocks; vLLM turns the tool call into the
    assistant's tool calls, its reasoning aside, and the tool's result into a `tool` message.
    When the client posts {"model": "Qwen/Qwen3-Embedding-0.6B", "messages": [{"role": "user", "content": "weather in Paris"}, {"role": "assistant", "content": [{"type": "thinking", "thinking": "ask the tool", "signature": "s"}, {"type": "text", "text": "checking"}, {"type": "tool_use", "id": "tu1", "name": "weather", "input": {"city": "Paris"}}]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu1", "content": [{"type": "text", "text": "sunny"}]}]}]} to "/v1/messages/count_tokens" on the mock
    Then the client gets status 200
    And the answer's "/input_tokens" is 6
    When the client posts {"messages": [{"role": "user", "content": "weather in Paris"}, {"role": "assistant", "content": "checking"}, {"role": "tool", "tool_call_id": "tu1", "content": "sunny"}]} to "/tokenize" on the mock
    Then the answer's "/count" is 6
    When the client posts {"model": "Qwen/Qwen3-Embedding-0.6B", "messages": [{"role": "user", "content": [{"type": "tool_addition", "tool": {"type": "tool_reference", "name": "weather"}}]}]} to "/v1/messages/count_tokens" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "Bad Request" mentioning "tool_addition blocks are only allowed in messages with role"

  Scenario: /openapi.json is vLLM's own schema of the routes the model is served
    When the client sends GET "/openapi.json" to the mock
    Then the client gets status 200
    And the answer's "/openapi" is "3.1.0"
    And the answer's "/paths/~1v1~1embeddings/post/summary" is "Create Embedding"

  Scenario: The e5 profile answers as vLLM does for a model with no chat template and no Matryoshka
    Given the mock vLLM server is started here with "--model-profile e5"
    When the client posts {"input": "hi", "dimensions": 4} to "/v1/embeddings" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "does not support Matryoshka embeddings"
    When the client posts {"messages": [{"role": "user", "content": "hi"}]} to "/v1/embeddings" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "default chat template is no longer allowed"
    When the client posts {"input": [101, 30522]} to "/v1/embeddings" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "Token id 30522 is out of vocabulary"
    When the client posts {"queries": "a", "documents": {"content": [{"type": "text", "text": "b"}]}} to "/score" on the mock
    Then the client gets a vLLM error of type "BadRequestError" mentioning "MultiModalParam is not supported for BertModel"

  Scenario: The default profile is the workshop's Qwen3-Embedding: dimensions and chat-style embeddings are served
    Given the mock vLLM server is started here with "--model-profile qwen3-embedding"
    When the client posts {"input": "hi", "dimensions": 4} to "/v1/embeddings" on the mock
    Then the client gets status 200
    And the answer's "/data/0/embedding" has 4 items
    When the client posts {"messages": [{"role": "user", "content": "hi"}]} to "/v1/embeddings" on the mock
    Then the client gets status 200

  Scenario: With the model's tokenizer.json, counts, truncation and /tokenize are that tokenizer's
    Given the mock vLLM server is started here with "--tokenizer fixtures/tokenizer.json --max-model-len 5"
    When the client posts {"prompt": "Hello wide world", "return_token_strs": true} to "/tokenize" on the mock
    Then the answer's "/tokens" is [2, 4, 5, 6, 3]
    And the answer's "/token_strs" is ["[CLS]", "hello", "wide", "world", "[SEP]"]
    When the client posts {"input": "hello wide world"} to "/v1/embeddings" on the mock
    Then the usage counts 5 prompt tokens
    When the client posts {"input": "hello wide world hello", "truncate_prompt_tokens": 4} to "/v1/embeddings" on the mock
    Then the usage counts 4 prompt tokens
    When the client posts {"input": "hello wide world hello"} to "/v1/embeddings" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "maximum context length is 5 tokens"
    When the client posts {"tokens": [2, 4, 6, 3]} to "/detokenize" on the mock
    Then the client gets the body {"prompt": "[CLS] hello world [SEP]"}

  Scenario: A model run for per-token embeddings serves /pooling's token_embed and refuses embed, as vLLM does
    Given the mock vLLM server is started here with "--pooling-task token_embed"
    When the client posts {"input": "one two"} to "/pooling" on the mock
    Then the client gets status 200
    And the answer's "/data/0/data" has 2 items
    When the client posts {"input": "one two", "task": "embed"} to "/pooling" on the mock
    Then the client gets status 400
    And the client gets a vLLM error of type "BadRequestError" mentioning "Try switching the model's pooling_task via --pooler-config.task embed."

  Scenario: The answer's id carries the client's X-Request-Id, and its model is the served one
    When the client posts {"model": "any/name", "input": "x"} to "/v1/embeddings" on the mock with X-Request-Id "trace-7"
    Then the answer's "/id" is "embd-trace-7"
    And the answer's "/model" is "/apps/ecs_mounts/data/q3.6b"

  Scenario: /tokenize counts as usage counts, and /detokenize gives the words back
    When the client posts {"prompt": "hello   wide world", "return_token_strs": true} to "/tokenize" on the mock
    Then the answer's "/count" is 3
    And the answer's "/token_strs" is ["hello", "wide", "world"]
    When the client detokenizes the tokens of that answer
    Then the client gets the body {"prompt": "hello wide world"}

  Scenario Outline: vLLM's other routes for a pooling model
    When the client posts <body> to "<path>" on the mock
    Then the client gets status 200
    And the answer's "<field>" is <value>

    Examples:
      | path         | body                                                      | field                          | value     |
      | /pooling     | {"input": "one two"}                                      | /data/0/object                 | "pooling" |
      | /pooling     | {"input": "one two", "task": "embed"}                     | /usage/prompt_tokens           | 2         |
      | /score       | {"queries": "a b", "documents": ["c", "d"]}               | /data/1/object                 | "score"   |
      | /v1/score    | {"text_1": ["a", "b"], "text_2": ["c", "d"]}              | /usage/prompt_tokens           | 4         |
      | /rerank      | {"query": "q", "documents": ["a", "b", "c"]}              | /results/2/document/multi_modal | null     |
      | /v1/rerank   | {"query": "q", "documents": ["a", "b"]}                   | /usage/total_tokens            | 3         |
      | /v2/rerank   | {"query": "q", "documents": ["a", "b"]}                   | /usage/prompt_tokens           | 3         |
      | /invocations | {"input": "The food was delicious and the waiter was friendly."} | /usage/prompt_tokens    | 9         |

  Scenario: Rerank answers the best documents first, as many as top_n
    When the client posts {"query": "capital of France", "documents": ["Paris is the capital.", "The sky is blue.", "Bread is baked.", "France is in Europe."], "top_n": 2} to "/rerank" on the mock
    Then the client gets status 200
    And the answer's "/results" has 2 items
    And the rerank results are sorted best first

  Scenario: /load tells how many requests are with the model
    When the client sends GET "/load" to the mock
    Then the client gets the body {"server_load": 0}

  Scenario Outline: Chat and completions take vLLM's parameters and answer vLLM's fields
    When the client posts <body> to "<path>" on the mock
    Then the client gets status 200
    And the answer's "<field>" is <value>

    Examples:
      | path                 | body                                                                | field                      | value |
      | /v1/chat/completions | {"messages": [{"role": "user", "content": "hi"}]}                   | /choices/0/message/refusal | null  |
      | /v1/chat/completions | {"messages": [{"role": "user", "content": "hi"}], "n": 3}           | /choices/2/index           | 2     |
      | /v1/completions      | {"prompt": ["a", "b"], "n": 2, "max_tokens": 3}                     | /choices/3/index           | 3     |
      | /v1/completions      | {"prompt": "x", "max_tokens": 40, "ignore_eos": true}               | /usage/completion_tokens   | 40    |
      | /v1/completions      | {"prompt": "x", "max_tokens": 40, "min_tokens": 30}                 | /usage/completion_tokens   | 30    |
      | /v1/completions      | {"prompt": "x", "max_tokens": 5.0, "ignore_eos": true}              | /usage/completion_tokens   | 5     |

  Scenario: A completion with echo begins with its prompt
    When the client posts {"prompt": "Say this", "echo": true, "max_tokens": 2} to "/v1/completions" on the mock
    Then the answer's "/choices/0/text" begins with "Say this"

  Scenario: continuous_usage_stats puts the usage on every chunk of a stream
    When the client posts {"messages": [{"role": "user", "content": "hi"}], "stream": true, "stream_options": {"continuous_usage_stats": true}} to "/v1/chat/completions" on the mock
    Then the client gets status 200
    And every event of the stream carries usage, the last with no choices

  Scenario Outline: Chat and completion parameters vLLM refuses
    When the client posts <body> to "<path>" on the mock
    Then the client gets a vLLM error of type "<type>" mentioning "<reason>"

    Examples:
      | path                 | body                                                                                   | type            | reason                                    |
      | /v1/completions      | {"prompt": "x", "max_tokens": 5.5}                                                     | Bad Request     | int_from_float                            |
      | /v1/chat/completions | {"messages": [{"role": "user", "content": "hi"}], "stream_options": {"include_usage": true}} | BadRequestError | Stream options can only be defined when `stream=True`. |
      | /v1/completions      | {"prompt": "x", "max_tokens": 5, "min_tokens": 6}                                      | BadRequestError | min_tokens must be less than or equal to max_tokens=5 |
      | /v1/chat/completions | {"messages": [{"role": "user", "content": "hi"}], "n": 0}                              | BadRequestError | n must be at least 1                      |

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

  Scenario: A client that gives up on a slow stream leaves mid-stream, and the mock stops too
    Given the mock's time to first token is 0 ms and its inter-token latency 100 ms
    When the client streams a chat completion of 20 tokens from the mock, giving up after 500 ms
    Then the client's stream ended before its [DONE]
    And the mock journaled the stream as aborted after fewer than 21 chunks

  Scenario: With one running slot and a queue of one, a third request at once is refused
    Given the mock's time to first token is 300 ms and its inter-token latency 0 ms
    And the mock runs 1 request at a time and queues at most 1
    When the client sends 3 embeddings requests to the mock at once
    Then the client's answers had the statuses 200, 200, 429 in some order
    And the answer with status 429 is a vLLM error of type "RateLimitError" mentioning "queue is full"
