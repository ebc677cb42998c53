"""Drives mock-vllm with the real OpenAI Python SDK and LiteLLM, and prints what they got.

Usage: python sdk_clients.py BASE_URL API_KEY   (BASE_URL without /v1)
Prints one JSON object; the Rust test (tests/clients.rs) asserts on it.
"""
import json
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

base, key = sys.argv[1], sys.argv[2]
MODEL = "/apps/ecs_mounts/data/q3.6b"
TEXT = "The food was delicious and the waiter was friendly."
out = {}

from openai import OpenAI  # noqa: E402

client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
out["sdk_default"] = client.embeddings.create(model=MODEL, input=TEXT).model_dump()
out["sdk_float"] = client.embeddings.create(model=MODEL, input=TEXT, encoding_format="float").model_dump()
out["sdk_batch"] = client.embeddings.create(model=MODEL, input=["first", TEXT], encoding_format="float").model_dump()
out["sdk_chat"] = client.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": "hello"}]
).model_dump()
out["sdk_chat_stream"] = "".join(
    chunk.choices[0].delta.content or ""
    for chunk in client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hello"}], stream=True
    )
    if chunk.choices
)
out["sdk_models"] = [m.id for m in client.models.list().data]
# vLLM's extra parameters, the way its own tests pass them through the SDK.
LONG = "Como o Brasil pode fomentar o desenvolvimento de modelos de IA?"
out["sdk_truncated"] = client.embeddings.create(
    model=MODEL, input=[LONG], extra_body={"truncate_prompt_tokens": 10}
).usage.prompt_tokens
try:
    client.embeddings.create(model=MODEL, input=[LONG], extra_body={"truncate_prompt_tokens": 100000})
    out["sdk_truncate_too_far"] = "no error"
except Exception as err:
    out["sdk_truncate_too_far"] = type(err).__name__
completion = client.completions.create(model=MODEL, prompt="x", max_tokens=5, n=2, extra_body={"ignore_eos": True})
out["sdk_completion"] = {"choices": len(completion.choices), "tokens": completion.usage.completion_tokens}
try:
    client.models.retrieve(MODEL)
    out["sdk_retrieve"] = "no error"
except Exception as err:  # vLLM has no route for one model's card
    out["sdk_retrieve"] = type(err).__name__
try:
    OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).embeddings.create(model=MODEL, input=TEXT)
    out["sdk_wrong_key"] = "no error"
except Exception as err:  # the SDK raises AuthenticationError for 401
    out["sdk_wrong_key"] = type(err).__name__

import litellm  # noqa: E402

response = litellm.embedding(model="hosted_vllm/" + MODEL, api_base=base + "/v1", api_key=key, input=[TEXT])
out["litellm"] = {
    "model": response.model,
    "embedding": response.data[0]["embedding"],
    "prompt_tokens": response.usage.prompt_tokens,
}
print(json.dumps(out))
