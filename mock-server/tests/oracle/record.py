#!/usr/bin/env python3
"""Records vLLM 0.33.0's answers to the oracle's cases, for tests/oracle.rs to replay against
mock-vllm in CI without vLLM installed.

    ../shared/vllm-oracle/setup.sh              # once: vLLM 0.33.0 and its stub engine
    python3 mock-server/tests/oracle/record.py  # from the project root; about two minutes

It starts the oracle's stub (vLLM's own HTTP server, engine stubbed) once per configuration,
sends it every case of the oracle's `diff.py` and writes what came back to
`mock-server/tests/oracle/recorded.json`: the request as sent (bytes in base64) and vLLM's
status, headers and body, for the oracle's cases and the project's own (`cases.py`). The
configurations are the oracle's plain one (MiniLM, an e5-like model), its chat one (the same
model with a chat template and Matryoshka dimensions, as the workshop's Qwen3-Embedding has)
and `--runner generate` (its generator, with one fixed fingerprint). Set
VLLM_ORACLE_DIR to the oracle's folder and VLLM_ORACLE_HOME to its setup when they are
elsewhere.
"""

import base64
import importlib.util
import json
import os
import subprocess
import sys

ORACLE_DIR = os.path.abspath(os.environ.get("VLLM_ORACLE_DIR", "../shared/vllm-oracle"))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recorded.json")
FINGERPRINT = ["--fingerprint-mode", "custom", "--fingerprint-value", "vllm-0.33.0-oracle"]

spec = importlib.util.spec_from_file_location("oracle_diff", os.path.join(ORACLE_DIR, "diff.py"))
diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(diff)

OWN_CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.py")
CHAT = ["--chat-template", os.path.join(ORACLE_DIR, "chat_template.jinja"),
        "--hf-overrides", json.dumps({"is_matryoshka": True, "embedding_size": 65536})]
POOLING_CASES = diff.gen_cases() + diff.load_cases(OWN_CASES, "pooling")
CONFIGS = [
    # name, stub flags, cases
    ("plain", [], POOLING_CASES),
    ("chat", CHAT, POOLING_CASES),
    ("generate", ["--model", os.path.join(diff.ORACLE_HOME, "gen-model"), "--runner", "generate", *FINGERPRINT],
     diff.gen_generate_cases() + diff.load_cases(OWN_CASES, "generate")),
]


def request_bytes(c):
    if c["raw"] is not None:
        return c["raw"]
    if c["body"] is not None:
        return json.dumps(c["body"]).encode()
    return None


def record(config, flags, cases):
    py = os.path.join(diff.ORACLE_HOME, "venv", "bin", "python")
    port = diff.free_port()
    cmd = [py, os.path.join(ORACLE_DIR, "serve_stub.py"), "--port", str(port),
           "--served-model-name", diff.MODEL, "--max-model-len", str(diff.MAXLEN), *flags]
    log = open(os.path.join(diff.ORACLE_HOME, "logs", f"record_{config}.log"), "w")
    stub = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        diff.wait_health(base, 300, stub)
        out = []
        for c in cases:
            status, headers, body = diff.send(base, c, None)
            data = request_bytes(c)
            try:
                text, encoding = body.decode("utf-8"), "text"
            except UnicodeDecodeError:
                text, encoding = base64.b64encode(body).decode(), "base64"
            out.append({
                "config": config,
                "name": c["name"],
                "method": c["method"],
                "path": c["path"],
                # Content-Type as the oracle sends it; "" drops a header.
                "headers": {**({"Content-Type": c["ctype"]} if c["ctype"] is not None else {}),
                            **{k: v for k, v in c["headers"].items() if v != ""}},
                "body": None if data is None else base64.b64encode(data).decode(),
                "vllm": {
                    "status": status,
                    "headers": {k: v for k, v in headers.items()
                                if k in ("content-type", "allow", "metadata", "location")},
                    "body": text,
                    "body_encoding": encoding,
                },
            })
        return out
    finally:
        diff.stop([stub])
        log.close()


def main():
    os.makedirs(os.path.join(diff.ORACLE_HOME, "logs"), exist_ok=True)
    recorded = []
    for config, flags, cases in CONFIGS:
        recorded += record(config, flags, cases)
        print(f"{config}: {len(cases)} answers", file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump({"vllm": "0.33.0", "cases": recorded}, f, indent=0)
        f.write("\n")
    print(f"wrote {len(recorded)} answers to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
