#!/usr/bin/env python3
"""mock-vllm under load, beside the workshop's Python mock and a ceiling, in one run.

    python3 bench/load.py                 # the side-by-side table (about 2 minutes)
    python3 bench/load.py --memory        # resident memory at 10k, 100k and 1M requests, and
                                          # with 60 KB embeddings batches
    python3 bench/load.py --pacing        # 1,000 streams at once at 10 ms inter-token latency
    python3 bench/load.py --instructions  # instructions per request under callgrind, mock-vllm
                                          # against the ceiling (repeatable on a shared host)

Servers, each sent the workshop's Step 6 request by wrk on loopback:
  mock-vllm  the release binary, default settings: journal on, the workshop's log block on
             (stdout to /dev/null, so the log is formatted and written, not stored)
  python     the workshop's mock, extracted at run time from ../shared/workshop/ (never
             copied into this repository), stdout to /dev/null as well
  ceiling    mock-server/examples/ceiling.rs: the same answer with no journal, no log

Modes: keep-alive, and new-connection (wrk sends `Connection: close`); 1, 16 and 64
connections. Each row runs the three servers in --rounds interleaved rounds of --duration
seconds and keeps each one's median round. Every run is bounded; nothing leaves 127.0.0.1.
Needs wrk (Debian: apt-get install wrk), cargo and python3; --instructions needs valgrind
instead of wrk.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = ROOT.parent / "shared" / "workshop" / "self-hosted-vllm-embeddings.md"
BODY = (
    '{"model": "/apps/ecs_mounts/data/q3.6b", '
    '"input": "The food was delicious and the waiter was friendly.", '
    '"encoding_format": "float"}'
)
PORTS = {"mock-vllm": 18001, "python": 18002, "ceiling": 18003}


def build():
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "mock-vllm", "--bin", "mock-vllm",
         "--example", "ceiling", "--example", "pacing"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"
    return target / "mock-vllm", target / "examples" / "ceiling"


def example(name):
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "examples" / name


def extract_python_mock(workdir: Path, port: int) -> Path:
    """The Python server of the workshop's Step 1, as the workshop writes it, on another port."""
    lines = WORKSHOP.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if "from http.server import" in l)
    end = next(i for i, l in enumerate(lines) if "serve_forever()" in l and i > start)
    source = textwrap.dedent("\n".join(lines[start : end + 1]))
    source = source.replace("HTTPServer(('', 8000)", f"HTTPServer(('127.0.0.1', {port})")
    path = workdir / "workshop_mock.py"
    path.write_text(source + "\n")
    return path


def start(name, command, probe=BODY):
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{PORTS[name]}/v1/embeddings"
    for _ in range(100):
        try:
            request = urllib.request.Request(url, probe.encode(), {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{name} did not answer on {url}")


def wrk_script(workdir: Path, close: bool, body=BODY, name=None) -> Path:
    headers = 'wrk.headers["Content-Type"] = "application/json"\n'
    if close:
        headers += 'wrk.headers["Connection"] = "close"\n'
    path = workdir / (name or ("close.lua" if close else "keepalive.lua"))
    path.write_text(f'wrk.method = "POST"\nwrk.body = [[{body}]]\n{headers}')
    return path


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port, connections, duration, script):
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}/v1/embeddings"],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    notes = []
    if errors:
        notes.append("socket errors " + errors.group(1).strip())
    if non2xx:
        notes.append(f"{non2xx.group(1)} non-2xx")
    return rps, p50, p99, "; ".join(notes)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, {platform.system()} {platform.release()}"


def side_by_side(args, ours, ceiling, workdir):
    servers = {
        "mock-vllm": start("mock-vllm", [str(ours), "--host", "127.0.0.1", "--port", str(PORTS["mock-vllm"])]),
        "python": start("python", [sys.executable, str(extract_python_mock(workdir, PORTS["python"]))]),
        "ceiling": start("ceiling", [str(ceiling), str(PORTS["ceiling"])]),
    }
    rows = []
    try:
        for mode in args.modes.split(","):
            script = wrk_script(workdir, close=(mode == "new-connection"))
            for connections in [int(c) for c in args.connections.split(",")]:
                # Rounds interleave the servers, so a machine that slows down for a while
                # (a shared host) weighs on all three alike; each keeps its median round.
                rounds = {name: [] for name in servers}
                for _ in range(args.rounds):
                    for name in servers:
                        rounds[name].append(run_wrk(PORTS[name], connections, args.duration, script))
                results = {name: median_round(runs) for name, runs in rounds.items()}
                rows.append((mode, connections, results))
                print_row(mode, connections, results, sys.stderr)
    finally:
        for proc in servers.values():
            proc.send_signal(signal.SIGTERM)
        for proc in servers.values():
            proc.wait(timeout=15)
    return rows


def median_round(runs):
    """The round with the median throughput, its latencies with it; notes from every round."""
    ordered = sorted(runs, key=lambda r: r[0])
    rps, p50, p99, _ = ordered[len(ordered) // 2]
    notes = "; ".join(r[3] for r in runs if r[3])
    return rps, p50, p99, notes


def print_row(mode, connections, results, out):
    ours, python, ceiling = results["mock-vllm"], results["python"], results["ceiling"]
    print(
        f"{mode:15} {connections:3} conns | mock-vllm {ours[0]:9.0f} req/s p50 {ours[1]:7.2f} ms p99 {ours[2]:7.2f} ms"
        f" | python {python[0]:7.0f} req/s p99 {python[2]:8.2f} ms | ceiling {ceiling[0]:9.0f} req/s p99 {ceiling[2]:6.2f} ms"
        f" | ours/python {ours[0] / python[0]:6.1f}x ours/ceiling {100 * ours[0] / ceiling[0]:5.1f}%",
        file=out,
    )


def markdown(rows):
    lines = [
        "| mode | conns | mock-vllm req/s | p50 ms | p99 ms | python req/s | p50 ms | p99 ms | ceiling req/s | p50 ms | p99 ms | ours/python | ours/ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for mode, connections, r in rows:
        ours, python, ceiling = r["mock-vllm"], r["python"], r["ceiling"]
        lines.append(
            f"| {mode} | {connections} | {ours[0]:.0f} | {ours[1]:.2f} | {ours[2]:.2f} | {python[0]:.0f} | {python[1]:.2f} | "
            f"{python[2]:.2f} | {ceiling[0]:.0f} | {ceiling[1]:.2f} | {ceiling[2]:.2f} | {ours[0] / python[0]:.1f}x | "
            f"{100 * ours[0] / ceiling[0]:.0f}% |"
        )
        for name, result in r.items():
            if result[3]:
                notes.append(f"- {mode}, {connections} conns, {name}: {result[3]}")
    return "\n".join(lines + ([""] + notes if notes else []))


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def requests_answered(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        text = response.read().decode()
    return sum(int(float(m)) for m in re.findall(r'route="/v1/embeddings"[^}]*\} (\d+)', text))


def journal_bytes(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        text = response.read().decode()
    return float(re.search(r"^mock_vllm_journal_bytes (\S+)", text, re.M).group(1))


def memory(args, ours, workdir):
    """RSS of mock-vllm with the default journal at 10k, 100k and 1M requests of the workshop's
    sentence, then at 3k, 6k and 12k requests of a 60 KB batch."""
    print("The workshop's request (about 130 bytes):\n")
    track_memory(args, ours, workdir, BODY, [10_000, 100_000, 1_000_000])
    # 60 KB of inputs, a realistic embeddings batch: 200 texts of 300 characters.
    batch = '{"model": "/apps/ecs_mounts/data/q3.6b", "input": [' + ", ".join(
        '"' + ("w%03d " % i) * 60 + '"' for i in range(200)
    ) + '], "encoding_format": "float"}'
    print(f"\nA batch of 200 inputs ({len(batch) // 1000} KB a request):\n")
    track_memory(args, ours, workdir, batch, [3_000, 6_000, 12_000])


def track_memory(args, ours, workdir, body, checkpoints):
    port = PORTS["mock-vllm"]
    proc = start("mock-vllm", [str(ours), "--host", "127.0.0.1", "--port", str(port)], probe=body)
    seen = {0: (rss_kib(proc.pid), journal_bytes(port))}
    script = wrk_script(workdir, close=False, body=body, name="memory.lua")
    load = subprocess.Popen(
        ["wrk", "-t2", "-c16", f"-d{args.memory_seconds}s", "-s", str(script), f"http://127.0.0.1:{port}/v1/embeddings"],
        stdout=subprocess.DEVNULL,
    )
    try:
        while checkpoints and load.poll() is None:
            count = requests_answered(port)
            while checkpoints and count >= checkpoints[0]:
                seen[checkpoints.pop(0)] = (rss_kib(proc.pid), journal_bytes(port))
            time.sleep(0.05)
    finally:
        load.terminate()
        load.wait()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    print("| requests | RSS (MiB) | journal (MiB) |\n|---:|---:|---:|")
    for count, (kib, held) in seen.items():
        print(f"| {count:,} | {kib / 1024:.1f} | {held / 1024 / 1024:.1f} |")
    if checkpoints:
        print(f"\n(stopped after {args.memory_seconds} s before reaching {checkpoints[0]:,} requests)")


def pacing(args, ours):
    """1,000 streamed chat completions at once against a mock at --inter-token-latency 10:
    how far apart the tokens came, and the mock's memory meanwhile."""
    port = PORTS["mock-vllm"]
    proc = start(
        "mock-vllm",
        [str(ours), "--host", "127.0.0.1", "--port", str(port), "--log-format", "off",
         "--inter-token-latency", str(args.itl), "--time-to-first-token", str(args.ttft)],
    )
    before = rss_kib(proc.pid)
    client = subprocess.Popen(
        [str(example("pacing")), f"http://127.0.0.1:{port}", str(args.streams)],
        stdout=subprocess.PIPE, text=True,
    )
    peak = before
    while client.poll() is None:
        peak = max(peak, rss_kib(proc.pid))
        time.sleep(0.02)
    result = json.loads(client.stdout.read())
    after = rss_kib(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
    error = 100 * (result["mean_gap_ms"] - args.itl) / args.itl
    print("| streams | setting | gaps | mean gap | p50 | p99 | error of the mean | wall | RSS before / peak / after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {result['streams']:,} | {args.itl} ms | {result['gaps']:,} | {result['mean_gap_ms']:.2f} ms | "
        f"{result['p50_gap_ms']:.2f} ms | {result['p99_gap_ms']:.2f} ms | {error:+.1f}% | {result['wall_s']:.2f} s | "
        f"{before / 1024:.1f} / {peak / 1024:.1f} / {after / 1024:.1f} MiB |"
    )
    if result["failed"]:
        print(f"\n{result['failed']} streams failed")


def callgrind_total(command, port, requests, out_file, new_connections=False):
    """Instructions a server executes, under callgrind, to start, answer the probe and then
    `requests` of the workshop's Step 6 over one keep-alive connection (or each on a new one),
    and stop."""
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *command],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    connection = None
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/v1/embeddings", BODY, {"Content-Type": "application/json"})
            if connection.getresponse().read() is not None:
                break
        except OSError:
            connection = None
            time.sleep(0.1)
    if connection is None:
        proc.kill()
        sys.exit(f"{command[0]} did not answer under valgrind")
    for _ in range(requests):
        if new_connections:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/v1/embeddings", BODY, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"{command[0]} answered {response.status}")
    connection.close()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    for line in Path(out_file).read_text().splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    sys.exit(f"no total in {out_file}")


def instructions(args, ours, ceiling, workdir):
    """Instructions per request: each server's run with N requests minus its run with none, so
    start-up, the probe and shutdown cancel out."""
    servers = {
        "mock-vllm": [str(ours), "--host", "127.0.0.1", "--port", str(PORTS["mock-vllm"])],
        "ceiling": [str(ceiling), str(PORTS["ceiling"])],
    }
    per_request = {}
    for name, command in servers.items():
        base = callgrind_total(command, PORTS[name], 0, workdir / f"{name}-0.out", args.new_connections)
        out = workdir / f"{name}-{args.requests}.out"
        total = callgrind_total(command, PORTS[name], args.requests, out, args.new_connections)
        per_request[name] = (total - base) / args.requests
        print(f"{name:9} {per_request[name]:9,.0f} instructions per request "
              f"({total:,} with {args.requests} requests, {base:,} with none)", file=sys.stderr)
        if args.profile and name == "mock-vllm":
            annotate = subprocess.run(["callgrind_annotate", "--threshold=95", str(out)],
                                      capture_output=True, text=True).stdout
            rows = [l for l in annotate.splitlines() if re.match(r"^\s*[\d,]+ \(", l)]
            print("\nmock-vllm's top functions (self cost, whole run):\n", file=sys.stderr)
            print("\n".join(rows[: args.profile]), file=sys.stderr)
    ratio = per_request["mock-vllm"] / per_request["ceiling"]
    print("| server | instructions per request |\n|---|---:|")
    for name, value in per_request.items():
        print(f"| {name} | {value:,.0f} |")
    print(f"\nmock-vllm / ceiling: {ratio:.3f}x ({args.requests} requests each)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per row (default 3)")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--modes", default="keep-alive,new-connection")
    parser.add_argument("--memory", action="store_true", help="report RSS at 10k, 100k and 1M requests instead")
    parser.add_argument("--memory-seconds", type=int, default=120, help="upper bound of each memory run")
    parser.add_argument("--pacing", action="store_true", help="measure streams' pacing instead")
    parser.add_argument("--streams", type=int, default=1000, help="concurrent streams of the pacing run")
    parser.add_argument("--itl", type=int, default=10, help="inter-token latency of the pacing run, ms")
    parser.add_argument("--ttft", type=int, default=0, help="time to first token of the pacing run, ms")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under callgrind instead (needs valgrind)")
    parser.add_argument("--requests", type=int, default=2000, help="requests of the --instructions run")
    parser.add_argument("--new-connections", action="store_true",
                        help="with --instructions, send each request on a new connection")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="with --instructions, print mock-vllm's N costliest functions")
    args = parser.parse_args()
    needed = "valgrind" if args.instructions else "wrk"
    if not shutil.which(needed):
        sys.exit(f"{needed} is needed (Debian: apt-get install {needed})")
    if not WORKSHOP.exists():
        sys.exit(f"the workshop copy is needed at {WORKSHOP}")
    ours, ceiling = build()
    print(f"machine: {machine()}\ndate: {time.strftime('%Y-%m-%d')}\n", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.instructions:
            instructions(args, ours, ceiling, workdir)
        elif args.memory:
            memory(args, ours, workdir)
        elif args.pacing:
            pacing(args, ours)
        else:
            rows = side_by_side(args, ours, ceiling, workdir)
            print(markdown(rows))


if __name__ == "__main__":
    main()
