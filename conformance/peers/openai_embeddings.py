"""One embeddings request through the OpenAI Python SDK, printed as JSON for the suite.

Usage: python openai_embeddings.py BASE_URL API_KEY MODEL INPUT

Calls client.embeddings.create(model=MODEL, input=INPUT) with the SDK's defaults (it asks for
base64 on the wire) and no retries, and prints the exchange as the SDK's HTTP client saw it:
the request it built and the answer, error statuses included (conformance/src/sdk.rs reads it).
"""
import json
import sys

from openai import APIStatusError, OpenAI

base_url, api_key, model, text = sys.argv[1:5]
client = OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=60)


def exchange(response):
    request = response.request
    return {
        "request": {
            "method": request.method,
            "url": str(request.url),
            "headers": [[k, v] for k, v in request.headers.items()],
            "body": request.content.decode(),
        },
        "status": response.status_code,
        "headers": [[k, v] for k, v in response.headers.items()],
        "body": response.text,
    }


try:
    raw = client.embeddings.with_raw_response.create(model=model, input=text)
    print(json.dumps(exchange(raw.http_response)))
except APIStatusError as err:
    print(json.dumps(exchange(err.response)))
