# The project's own cases beyond the oracle's diff.py, in its `--cases` format: run by
# `python3 ../shared/vllm-oracle/diff.py --cases mock-server/tests/oracle/cases.py` and
# recorded with the rest by record.py. `case`, `MODEL`, `MAXLEN` and `J` come from diff.py.

# A 1x1 PNG, so that vLLM gets as far as asking whether the model takes images.
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

E = "/v2/embed"
CASES = [
    # Cohere's embed API (vLLM's CohereEmbedRequest, served through its embeddings path).
    case("cohere texts", E, {"model": MODEL, "texts": ["hello world", "b"]}),
    case("cohere texts none", E, {"model": MODEL}),
    case("cohere texts empty", E, {"texts": []}),
    case("cohere texts and images", E, {"texts": ["a"], "images": [PNG]}),
    case("cohere texts int", E, {"texts": [1]}),
    case("cohere binary 10 dims", E, {"texts": ["a"], "embedding_types": ["binary"]}),
    case("cohere float, binary, ubinary, 8 dims", E, {"texts": ["a", "b c"], "output_dimension": 8,
                                                     "embedding_types": ["float", "binary", "ubinary"]}),
    case("cohere base64, 8 dims", E, {"texts": ["a"], "output_dimension": 8, "embedding_types": ["base64"]}),
    case("cohere embedding_types empty", E, {"texts": ["a"], "embedding_types": []}),
    case("cohere embedding_types int8", E, {"texts": ["a"], "embedding_types": ["int8"]}),
    case("cohere input_type", E, {"texts": ["a"], "input_type": "search_query"}),
    case("cohere truncate NONE max_tokens 1", E, {"texts": ["a b c"], "truncate": "NONE", "max_tokens": 1}),
    case("cohere max_tokens 2", E, {"texts": ["a b c d"], "max_tokens": 2}),
    case("cohere truncate START max_tokens -5", E, {"texts": ["a b"], "truncate": "START", "max_tokens": -5}),
    case("cohere inputs max_tokens -5", E, {"inputs": [{"content": [{"type": "text", "text": "hi"}]}],
                                           "max_tokens": -5}),
    case("cohere truncate START max_tokens 0", E, {"texts": ["a b"], "truncate": "START", "max_tokens": 0}),
    case("cohere max_tokens past max_model_len", E, {"texts": ["a b"], "max_tokens": MAXLEN + 88}),
    case("cohere truncate MIDDLE", E, {"texts": ["a"], "truncate": "MIDDLE"}),
    case("cohere text part without text", E, {"inputs": [{"content": [{"type": "text"}]}]}),
    case("cohere image part without url", E, {"inputs": [{"content": [{"type": "image_url", "image_url": {}}]}]}),
    case("cohere inputs text", E, {"inputs": [{"content": [{"type": "text", "text": "hi there"}]}]}),
    case("cohere inputs no content", E, {"inputs": [{"content": []}]}),
    case("cohere inputs text and image", E, {"inputs": [{"content": [
        {"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": PNG}}]}]}),
    case("cohere images", E, {"images": [PNG]}),
    case("cohere unknown model", E, {"model": "nope", "texts": ["a"]}),
    case("cohere output_dimension 4", E, {"texts": ["a"], "output_dimension": 4}),
    case("cohere unknown field", E, {"texts": ["a"], "foo": 1}),
    case("cohere priority 2**63", E, {"texts": ["a"], "priority": 2**63}),
    case("cohere X-Request-Id", E, {"texts": ["a"]}, headers={"X-Request-Id": "abc123"}),
    case("GET /v2/embed", E, method="GET", ctype=None),
]

B = "/v1/chat/completions/batch"
MSGS = [{"role": "user", "content": "hi there"}]
GENERATE_CASES = [
    # Several conversations in one request (vLLM's BatchChatCompletionRequest).
    case("batch two conversations", B, {"model": MODEL, "messages": [MSGS, [{"role": "user", "content": "b"}]],
                                        "max_tokens": 3}),
    case("batch stream", B, {"messages": [MSGS], "stream": True, "max_tokens": 3}),
    case("batch n=2", B, {"messages": [MSGS], "n": 2}),
    case("batch n=1.0", B, {"messages": [MSGS], "n": 1.0, "max_tokens": 2}),
    case("batch n=True", B, {"messages": [MSGS], "n": True, "max_tokens": 2}),
    case("batch n='2'", B, {"messages": [MSGS], "n": "2"}),
    case("batch no conversations", B, {"messages": []}),
    case("batch empty conversation", B, {"messages": [[]]}),
    case("batch one flat conversation", B, {"messages": MSGS}),
    case("batch message without role", B, {"messages": [[{"content": "x"}]]}),
    case("batch no messages", B, {"model": MODEL}),
    case("batch beam search", B, {"messages": [MSGS], "use_beam_search": True}),
    case("batch logprob_token_ids", B, {"messages": [MSGS], "logprob_token_ids": [1]}),
    case("batch temperature 5", B, {"messages": [MSGS], "temperature": 5}),
    case("batch temperature x", B, {"messages": [MSGS], "temperature": "x"}),
    case("batch min_tokens", B, {"messages": [MSGS], "min_tokens": 5, "max_tokens": 6}),
    case("batch unknown model", B, {"messages": [MSGS], "model": "nope"}),
    case("batch no generation prompt", B, {"messages": [MSGS], "add_generation_prompt": False, "max_tokens": 2}),
    case("batch logprobs", B, {"messages": [MSGS], "logprobs": True, "top_logprobs": 2, "max_tokens": 2}),
    case("batch request_id", B, {"messages": [MSGS], "request_id": "r1", "max_tokens": 2}),
    case("batch tools", B, {"messages": [MSGS], "tools": [{"type": "function", "function": {"name": "f"}}]}),
    case("GET batch", B, method="GET", ctype=None),
]

A = "/v1/messages"
GENERATE_CASES += [
    # Anthropic's Messages API (vLLM's AnthropicMessagesRequest, served through its chat path).
    case("messages basic", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3}),
    case("messages stream", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "stream": True}),
    case("messages system and stop", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "system": "be nice",
                                         "stop_sequences": ["x"]}),
    case("messages end_turn", A, {"model": MODEL, "messages": MSGS, "max_tokens": 30}),
    case("messages model empty", A, {"model": "", "messages": MSGS, "max_tokens": 3}),
    case("messages blocks", A, {"model": MODEL, "max_tokens": 3, "system": [{"type": "text", "text": "be nice"}],
                                "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}),
    case("messages no model or max_tokens", A, {"messages": MSGS}),
    case("messages max_tokens null", A, {"model": MODEL, "messages": MSGS, "max_tokens": None}),
    case("messages unknown model", A, {"model": "nope", "messages": MSGS, "max_tokens": 3}),
    case("messages role tool", A, {"model": MODEL, "messages": [{"role": "tool", "content": "x"}], "max_tokens": 3}),
    case("messages block type", A, {"model": MODEL, "max_tokens": 3,
                                    "messages": [{"role": "user", "content": [{"type": "video", "text": "x"}]}]}),
    case("messages temperature 5", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "temperature": 5}),
    case("messages max_tokens 0", A, {"model": MODEL, "messages": MSGS, "max_tokens": 0}),
    case("messages max_tokens 600", A, {"model": MODEL, "messages": MSGS, "max_tokens": 600}),
    case("messages empty", A, {"model": MODEL, "messages": [], "max_tokens": 3}),
    case("messages tools", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                               "tools": [{"name": "f", "input_schema": {"type": "object"}}]}),
    case("messages X-Request-Id", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3},
         headers={"X-Request-Id": "abc123"}),
    case("GET /v1/messages", A, method="GET", ctype=None),
    case("messages image", A, {"model": MODEL, "max_tokens": 2, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG.split(",")[1]}}]}]}),
]

T = "/v1/messages/count_tokens"
GENERATE_CASES += [
    # Anthropic's token count: the Messages conversation rendered, not generated.
    case("count_tokens basic", T, {"model": MODEL, "messages": MSGS}),
    case("count_tokens system and blocks", T, {"model": MODEL, "system": [{"type": "text", "text": "be nice"}],
                                               "messages": [{"role": "user", "content": [
                                                   {"type": "text", "text": "hi"}]}]}),
    case("count_tokens tools", T, {"model": MODEL, "messages": MSGS, "system": "be nice",
                                   "tools": [{"name": "f", "input_schema": {"type": "object"}}]}),
    case("count_tokens unknown model", T, {"model": "nope", "messages": MSGS}),
    case("count_tokens model empty", T, {"model": "", "messages": []}),
    case("count_tokens no model", T, {"messages": MSGS}),
    case("count_tokens empty", T, {"model": MODEL, "messages": []}),
    case("count_tokens image", T, {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "http://x/a.png"}}]}]}),
    case("count_tokens too long", T, {"model": MODEL, "messages": [
        {"role": "user", "content": " ".join(["hello"] * 600)}]}),
]

TOOL = {"name": "get", "input_schema": {}}
TOOL_USE = {"role": "assistant", "content": [{"type": "thinking", "thinking": "let me think", "signature": "s"},
                                             {"type": "text", "text": "ok"},
                                             {"type": "tool_use", "id": "tu1", "name": "get", "input": {"a": 1}}]}
CHANGE = {"type": "tool_addition", "tool": {"type": "tool_reference", "name": "get"}}
GENERATE_CASES += [
    # Anthropic's blocks as vLLM turns them into chat messages, and its tool and thinking checks.
    case("count_tokens tool use and result", T, {"model": MODEL, "messages": [MSGS[0], TOOL_USE, {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "tu1", "content": [{"type": "text", "text": "42"},
                                                                  {"type": "text", "text": "43"}]}]}]}),
    case("count_tokens assistant tool result", T, {"model": MODEL, "messages": [{"role": "assistant", "content": [
        {"type": "tool_result", "tool_use_id": "x", "content": [{"type": "text", "text": "r"}]}]}]}),
    case("count_tokens tool reference", T, {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "x", "content": [{"type": "tool_reference", "tool_name": "get"}]}]}]}),
    case("count_tokens tool result image", T, {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "x", "content": [{"type": "image", "source": {"type": "url",
                                                                                            "url": "http://a/b.png"}}]}]}]}),
    case("count_tokens only thinking", T, {"model": MODEL, "messages": [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm"}]}]}),
    case("count_tokens redacted thinking", T, {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "redacted_thinking", "data": "zz"}, {"type": "text", "text": ""}]}]}),
    case("count_tokens billing header", T, {"model": MODEL, "messages": [{"role": "user", "content": "q"}], "system": [
        {"type": "text", "text": "x-anthropic-billing-header: cch=1"}, {"type": "text", "text": "be"},
        {"type": "text", "text": "nice"}]}),
    case("count_tokens billing header text", T, {"model": MODEL, "messages": [{"role": "user", "content": "q"}],
                                                 "system": "x-anthropic-billing-header: cch=1"}),
    case("count_tokens tool_addition in user", T, {"model": MODEL, "messages": [{"role": "user", "content": [CHANGE]}]}),
    case("count_tokens tool_addition undeclared", T, {"model": MODEL, "messages": [
        {"role": "system", "content": [CHANGE]}, {"role": "user", "content": "q"}]}),
    case("count_tokens tool_addition declared", T, {"model": MODEL, "tools": [TOOL], "tool_choice": {"type": "none"},
                                                   "messages": [{"role": "system", "content": [CHANGE]},
                                                                {"role": "user", "content": "q"}]}),
    case("count_tokens tool_addition without tool", T, {"model": MODEL, "messages": [
        {"role": "system", "content": [{"type": "tool_addition"}]}]}),
    case("count_tokens tool_removal by definition", T, {"model": MODEL, "messages": [{"role": "system", "content": [
        {"type": "tool_removal", "tool": {"type": "tool_definition", "definition": TOOL}}]}]}),
    case("count_tokens tool change tag", T, {"model": MODEL, "messages": [{"role": "system", "content": [
        {"type": "tool_addition", "tool": {"type": "zz"}}]}]}),
    case("count_tokens system tool_addition", T, {"model": MODEL, "system": [CHANGE], "messages": MSGS}),
    case("count_tokens tool_use without id", T, {"model": MODEL, "messages": [{"role": "assistant", "content": [
        {"type": "tool_use", "name": "f"}]}]}),
    case("messages tool_choice any", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tools": [TOOL],
                                         "tool_choice": {"type": "any"}}),
    case("messages tool_choice tool unnamed", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tools": [TOOL],
                                                  "tool_choice": {"type": "tool"}}),
    case("messages tool_choice tool", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tools": [TOOL],
                                          "tool_choice": {"type": "tool", "name": "get"}}),
    case("messages tool_choice none", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tools": [TOOL],
                                          "tool_choice": {"type": "none"}}),
    case("messages tool_choice bad", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                         "tool_choice": {"type": "bad"}}),
    case("messages tool_choice text", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tool_choice": "auto"}),
    case("messages tools malformed", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                         "tools": [{"input_schema": 5}], "tool_choice": {"type": "none"}}),
    case("messages tool strict x", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "tool_choice": {"type": "none"},
                                       "tools": [{"name": "a", "input_schema": {}, "strict": "x"}]}),
    case("messages thinking no type", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "thinking": {}}),
    case("messages thinking bad type", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "thinking": {"type": "x"}}),
    case("messages thinking small budget", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                               "thinking": {"type": "enabled", "budget_tokens": 5}}),
    case("messages thinking budget over max_tokens", A, {"model": MODEL, "messages": MSGS, "max_tokens": 2000,
                                                         "thinking": {"type": "enabled", "budget_tokens": 5000}}),
    case("messages thinking budget", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3000,
                                         "thinking": {"type": "enabled", "budget_tokens": 1500}}),
    case("messages thinking adaptive display", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                                   "thinking": {"type": "adaptive", "display": "bad"}}),
    case("messages thinking disabled", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                           "thinking": {"type": "disabled"}}),
    case("messages thinking 5", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "thinking": 5}),
    case("messages five stop sequences", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3,
                                             "stop_sequences": ["a", "b", "c", "d", "e"]}),
    case("messages cache_salt empty", A, {"model": MODEL, "messages": MSGS, "max_tokens": 3, "cache_salt": ""}),
]

def responses_tool(name, tool):
    return case(name, "/v1/responses", {"model": MODEL, "input": "hi", "max_output_tokens": 2,
                                        "tool_choice": "none",
                                        "tools": [tool]})


GENERATE_CASES += [
    # A tool is the OpenAI SDK's union of 16 models, echoed as the matching one dumps it.
    responses_tool("responses tool type unknown", {"type": "bogus"}),
    responses_tool("responses tool computer", {"type": "computer"}),
    responses_tool("responses tool web_search", {"type": "web_search"}),
    responses_tool("responses tool mcp", {"type": "mcp", "server_label": "x", "server_url": "http://a"}),
    responses_tool("responses tool custom with extra", {"type": "custom", "name": "c", "extra": 1}),
    responses_tool("responses tool function parameters 5", {"type": "function", "name": "f", "parameters": 5}),
    responses_tool("responses tool namespace unnamed", {"type": "namespace", "name": "n"}),
    responses_tool("responses tool 5", 5),
    responses_tool("responses tool computer preview malformed", {"type": "computer_use_preview", "display_height": "x",
                                                                 "display_width": 1, "environment": "dos"}),
    responses_tool("responses tool shell environment text", {"type": "shell", "environment": "dos"}),
    responses_tool("responses tool file search ids", {"type": "file_search", "vector_store_ids": [1]}),
]

K = "/tokenize"
GENERATE_CASES += [
    # Chat content parts as vLLM's string content format reads them.
    case("tokenize part texts", K, {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "refusal", "refusal": "no way"}, {"type": "thinking", "thinking": "deep"},
        {"type": "input_text", "text": "it"}, {"type": "text", "text": ""}]}]}),
    case("tokenize plain string part", K, {"model": MODEL, "messages": [{"role": "user", "content": [
        "plain", {"type": "text", "text": "b"}]}]}),
    case("tokenize tool reference part", K, {"model": MODEL, "messages": [{"role": "tool", "tool_call_id": "x",
                                                                           "content": [{"type": "tool_reference",
                                                                                        "name": "get"}]}]}),
    case("tokenize billing header", K, {"model": MODEL, "messages": [
        {"role": "system", "content": "x-anthropic-billing-header: cch=1\nbe nice"}, {"role": "user", "content": "q"}]}),
    *[case(f"chat part {name}", "/v1/chat/completions", {"model": MODEL, "max_tokens": 2, "messages": [
        {"role": "user", "content": parts}]}) for name, parts in [
        ("unknown type, image_url text", [{"type": "weird", "image_url": "a"}]),
        ("unknown type, audio_url text", [{"type": "weird", "audio_url": "a"}]),
        ("unknown type, uuid", [{"type": "weird", "uuid": "u"}]),
        ("unknown type after text", [{"type": "text", "text": "a"}, {"type": "weird", "image_url": "a"}]),
        ("unknown type, image_url and uuid", [{"type": "weird", "image_url": "a", "uuid": "u"}]),
        ("refusal", [{"type": "refusal", "refusal": "a"}]),
        ("thinking", [{"type": "thinking", "thinking": "a"}]),
    ]],
    case("chat billing header part", "/v1/chat/completions", {"model": MODEL, "max_tokens": 2, "messages": [
        {"role": "system", "content": [{"type": "text", "text": "x-anthropic-billing-header: cch=1"}]},
        {"role": "user", "content": "q"}]}),
]

R = "/v1/responses"
GENERATE_CASES += [
    # OpenAI's Responses API (vLLM's ResponsesRequest, rendered as a chat conversation), without
    # a response store (vLLM's default).
    case("responses text", R, {"model": MODEL, "input": "hello there", "max_output_tokens": 3}),
    case("responses stream", R, {"model": MODEL, "input": "hello there", "max_output_tokens": 3, "stream": True}),
    case("responses items and instructions", R, {
        "input": [{"role": "user", "content": "hello there"}, {"role": "assistant", "content": "hi"},
                  {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "more"}]}],
        "instructions": "be nice", "max_output_tokens": 3, "temperature": 0.5, "metadata": {"a": "b"}}),
    case("responses developer message", R, {"input": [{"role": "developer", "content": "be terse"},
                                                      {"role": "user", "content": "hi"}], "max_output_tokens": 2}),
    case("responses tool call items", R, {"input": [
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "42"}], "max_output_tokens": 2}),
    case("responses echoed settings", R, {
        "input": "hi", "max_output_tokens": 2, "text": {"format": {"type": "text"}},
        "tools": [{"type": "function", "name": "f", "parameters": {}}], "user": "u", "reasoning": {"effort": "low"},
        "store": False, "service_tier": "flex", "truncation": "auto", "prompt_cache_key": "k",
        "safety_identifier": "s", "top_p": 0.5, "presence_penalty": 1, "parallel_tool_calls": False,
        "prompt_cache_retention": "in-memory", "prompt_cache_options": {"prewarm": True}, "max_tool_calls": 2}),
    case("responses named tool choice", R, {"input": "x", "tool_choice": {"type": "function", "name": "f"},
                                            "tools": [{"type": "function", "name": "f"}], "max_output_tokens": 1}),
    case("responses request_id", R, {"input": "hi", "request_id": "abc", "max_output_tokens": 1}),
    case("responses default max_output_tokens", R, {"input": "hi"}),
    case("responses logprobs", R, {"input": "hi", "max_output_tokens": 2,
                                   "include": ["message.output_text.logprobs"], "top_logprobs": 2}),
    case("responses logprobs stream", R, {"input": "x", "max_output_tokens": 2, "stream": True,
                                          "include": ["message.output_text.logprobs"], "top_logprobs": 1}),
    case("responses no input", R, {"model": MODEL}),
    case("responses input 5", R, {"input": 5}),
    case("responses input empty", R, {"input": [], "max_output_tokens": 2}),
    case("responses image", R, {"input": [{"role": "user", "content": [
        {"type": "input_image", "image_url": PNG}]}]}),
    case("responses background", R, {"input": "x", "background": True}),
    case("responses background without store", R, {"input": "x", "background": True, "store": False}),
    case("responses prompt", R, {"input": "x", "prompt": {"id": "a"}}),
    case("responses previous_response_id", R, {"input": "x", "previous_response_id": "resp_1"}),
    case("responses tool_choice required", R, {"input": "x", "tool_choice": "required"}),
    case("responses named tool choice without tools", R, {"input": "x",
                                                          "tool_choice": {"type": "function", "name": "f"}}),
    case("responses grammar tool", R, {"input": "x", "tools": [
        {"type": "custom", "name": "g", "format": {"type": "grammar", "syntax": "lark", "definition": "x"}}]}),
    case("responses unknown model", R, {"model": "nope", "input": "x"}),
    case("responses temperature -1", R, {"input": "x", "temperature": -1}),
    case("responses temperature a", R, {"input": "x", "temperature": "a"}),
    case("responses penalties out of range", R, {"input": "x", "presence_penalty": 3, "frequency_penalty": -3}),
    case("responses max_output_tokens 0", R, {"input": "x", "max_output_tokens": 0}),
    case("responses max_output_tokens 600", R, {"input": "hi", "max_output_tokens": MAXLEN + 88}),
    case("responses prompt too long", R, {"input": " ".join(["hello"] * 600)}),
    case("responses service_tier bad", R, {"input": "x", "service_tier": "gold"}),
    case("responses cache_salt empty", R, {"input": "x", "cache_salt": ""}),
    case("GET /v1/responses/{id}", R + "/resp_1", method="GET", ctype=None),
    case("POST /v1/responses/{id}/cancel", R + "/resp_1/cancel", ctype=None),
    case("GET /v1/responses", R, method="GET", ctype=None),
]

# Routes outside /v1 that a generative model is served too, and the schema that lists them.
GENERATE_CASES += [
    case("GET /openapi.json (generate runner)", "/openapi.json", method="GET", ctype=None),
    case("GET /kv_event_sources (generate runner)", "/kv_event_sources", method="GET", ctype=None),
    case("POST /is_scaling_elastic_ep", "/is_scaling_elastic_ep", ctype=None),
    case("scale_elastic_ep no size", "/scale_elastic_ep", {}),
    case("scale_elastic_ep size 2", "/scale_elastic_ep", {"new_data_parallel_size": 2}),
    case("scale_elastic_ep size true", "/scale_elastic_ep", {"new_data_parallel_size": True}),
    case("scale_elastic_ep size 0", "/scale_elastic_ep", {"new_data_parallel_size": 0}),
    case("scale_elastic_ep size 2.0", "/scale_elastic_ep", {"new_data_parallel_size": 2.0}),
    case("scale_elastic_ep drain_timeout 0", "/scale_elastic_ep", {"new_data_parallel_size": 2, "drain_timeout": 0}),
    case("scale_elastic_ep list", "/scale_elastic_ep", [1]),
    case("scale_elastic_ep not JSON", "/scale_elastic_ep", raw=b"x"),
    case("scale_elastic_ep text/plain", "/scale_elastic_ep", {"new_data_parallel_size": 2}, ctype="text/plain"),
    case("GET /scale_elastic_ep", "/scale_elastic_ep", method="GET", ctype=None),
]

CASES += [
    case("GET /kv_event_sources", "/kv_event_sources", method="GET", ctype=None),
    case("POST /scale_elastic_ep (pooling runner)", "/scale_elastic_ep", {"new_data_parallel_size": 2}),
]

# vLLM's decision APIs, validated and then refused (501) for models its strategies do not take.
DECISION_CASES = [
    case("decisions predicate", "/v1/decisions", {"model": MODEL, "input": "x",
                                                  "questions": [{"type": "predicate", "instructions": "is it?"}]}),
    case("decisions no model, no questions", "/v1/decisions", {"input": "x", "questions": []}),
    case("decisions model 5", "/v1/decisions", {"model": 5, "input": "x",
                                                "questions": [{"type": "predicate", "instructions": "a"}]}),
    case("decisions joint 'true'", "/v1/decisions", {"model": MODEL, "input": "x", "joint": "true",
                                                     "questions": [{"type": "predicate", "instructions": "a"}]}),
    case("decisions cache_salt empty", "/v1/decisions", {"input": "x", "cache_salt": "",
                                                         "questions": [{"type": "predicate", "instructions": "a"}]}),
    case("systemone", "/v1/systemone", {"state": "x", "questions": {"q": {"type": "predicate"}}}),
    case("systemone missing", "/v1/systemone", {"model": MODEL}),
    case("systemone questions list", "/v1/systemone", {"state": "x", "questions": []}),
    case("systemone joint 'true'", "/v1/systemone", {"state": "x", "questions": {}, "joint": "true"}),
    case("GET /v1/decisions", "/v1/decisions", method="GET", ctype=None),
    # The decision models forbid unknown fields; a question is the union its `type` names.
    case("decisions extra fields", "/v1/decisions", {"model": MODEL, "input": "x", "extra": 1, "zzz": 2,
                                                    "questions": [{"type": "predicate", "instructions": "q"}]}),
    case("decisions question extra field", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "predicate", "instructions": "q", "bogus": 1}]}),
    case("decisions question name null", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "predicate", "instructions": "q", "name": None}]}),
    case("decisions choices repeated", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "choice", "instructions": "q", "choices": [{"value": "a"}, {"value": "a"}]}]}),
    case("decisions choices True and 'True'", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "choice", "instructions": "q", "choices": [{"value": True}, {"value": "True"}]}]}),
    case("decisions choice value 5", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "choice", "instructions": "q", "choices": [{"value": 5}, {"value": "b", "extra": 1}]}]}),
    case("decisions question type unknown", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"type": "nope", "instructions": "q"}]}),
    case("decisions question without type", "/v1/decisions", {"model": MODEL, "input": "x", "questions": [
        {"instructions": "q"}]}),
    case("decisions input image", "/v1/decisions", {"model": MODEL, "questions": [
        {"type": "predicate", "instructions": "q"}],
        "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}),
    case("decisions input part extra, one level", "/v1/decisions", {"model": MODEL, "questions": [
        {"type": "score", "instructions": "q", "levels": [{"label": "a"}]}],
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "x", "more": 1}]}]}),
    case("systemone extra field", "/v1/systemone", {"state": "x", "questions": {"q": {"type": "predicate", "x": 1}},
                                                   "zextra": 5}),
    case("systemone question 5", "/v1/systemone", {"state": "x", "questions": {"q": 5, "r": {}}}),
]
CASES += DECISION_CASES
GENERATE_CASES += DECISION_CASES

GENERATE_CASES += [
    case("responses enable_response_messages", R, {"input": "hello there", "max_output_tokens": 2,
                                                   "enable_response_messages": True}),
    case("responses enable_response_messages stream", R, {"input": "hello there", "max_output_tokens": 2,
                                                          "enable_response_messages": True, "stream": True}),
    case("chat add_special_tokens", "/v1/chat/completions", {"messages": MSGS, "max_tokens": 1,
                                                             "add_special_tokens": True}),
]

G = "/generative_scoring"
GENERATE_CASES += [
    # vLLM's generative scoring: the next token's label probabilities per query + item.
    case("generative_scoring texts", G, {"query": "is this good?", "items": ["yes it is", "no"],
                                         "label_token_ids": [2748, 2053]}),
    case("generative_scoring unknown model", G, {"model": "nope", "query": "q", "items": ["a"],
                                                 "label_token_ids": [1]}),
    case("generative_scoring label past vocab", G, {"query": "q", "items": ["a"], "label_token_ids": [30522]}),
    case("generative_scoring label -1", G, {"query": "q", "items": ["a"], "label_token_ids": [-1]}),
    case("generative_scoring no labels", G, {"query": "q", "items": ["a"], "label_token_ids": []}),
    case("generative_scoring no items", G, {"query": "q", "items": [], "label_token_ids": [1]}),
    case("generative_scoring mixed items", G, {"query": "q", "items": ["a", [1]], "label_token_ids": [1]}),
    case("generative_scoring query 5", G, {"query": 5, "items": ["a"], "label_token_ids": [1]}),
    case("generative_scoring missing", G, {}),
    case("generative_scoring cache_salt empty", G, {"query": "q", "items": ["a"], "label_token_ids": [1],
                                                    "cache_salt": ""}),
]
