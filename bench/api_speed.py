"""Warm ``suggest`` over the local HTTP API (``assistant serve``) against in-process, same messages.

Starts ``assistant serve`` as a real process on a free loopback port over the shipped corpus (its
port opens once the model and index are warm) and times ``POST /suggest`` for the labeled
evaluation messages on one kept-alive connection, as a client with no model of its own sees it.
Then it loads an ``Assistant`` in this process too and, for each message (with its history) times, interleaved so that both see the
same load on the shared cores: ``Assistant.suggest(...).to_dict()`` in-process; ``POST /suggest``
on one kept-alive connection (a browser extension or workbench plugin); ``POST /suggest`` on a new
connection per call (as ``assistant suggest`` does). Also times whole ``assistant suggest --json``
commands through the server and with ``--no-server``. Loopback only; the numbers of requests are
bounded by the options.

    python bench/api_speed.py [--queries 200] [--cli-runs 5] [--cli-in-process-runs 1] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, percentiles, publish  # noqa: E402

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import default_eval_file, load_labeled  # noqa: E402

WARM_UP = 20
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    """``assistant serve`` on ``port``; returns the process and the seconds until /health answered."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while time.perf_counter() - started < START_TIMEOUT_S:
        if process.poll() is not None:
            raise SystemExit(f"assistant serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if json.loads(response.read())["ready"]:
                    return process, time.perf_counter() - started
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit(f"assistant serve did not answer within {START_TIMEOUT_S} s")


def post_new_connection(port: int, body: bytes) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/suggest", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def post_kept_alive(connection: http.client.HTTPConnection, body: bytes) -> dict:
    connection.request("POST", "/suggest", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"/suggest answered {response.status}: {data[:200]!r}")
    return json.loads(data)


def time_cli(port: int, runs: int, message: str, no_server: bool) -> list[float]:
    env = {**os.environ, "ASSISTANT_API_URL": f"http://127.0.0.1:{port}"}
    command = [sys.executable, "-m", "assistant", "suggest", message, "--json"]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [*command, "--no-server"] if no_server else command,
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        samples.append(time.perf_counter() - started)
    return samples


def run(queries: int, cli_runs: int, cli_in_process_runs: int) -> dict:
    labeled = load_labeled(default_eval_file())
    items = [
        (m.message, [f"{'买家' if t.role == 'buyer' else '客服'}: {t.text}" for t in m.history])
        for m in labeled
    ]
    items = (items * (queries // len(items) + 1))[:queries]
    port = free_port()
    process, start_s = start_server(port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # first the server alone, before this process loads a model of its own
        alone = []
        for number, (message, history) in enumerate(items[:WARM_UP] + items):
            body = json.dumps({"message": message, "history": history}, ensure_ascii=False).encode("utf-8")
            t0 = time.perf_counter()
            post_kept_alive(connection, body)
            if number >= WARM_UP:
                alone.append(time.perf_counter() - t0)
        assistant = Assistant.load()
        _ = assistant.engine
        # then in-process alone (the server idle)
        local_alone = []
        for number, (message, history) in enumerate(items[:WARM_UP] + items):
            t0 = time.perf_counter()
            assistant.suggest(message, history=history).to_dict()
            if number >= WARM_UP:
                local_alone.append(time.perf_counter() - t0)
        # uvicorn closes a connection idle for 5 s (keep-alive timeout) while the model loads
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        timings: dict[str, list[float]] = {
            "HTTP, kept-alive connection (client without a model)": alone,
            "in-process (server idle)": local_alone,
            "interleaved: in-process": [],
            "interleaved: HTTP, kept-alive connection": [],
            "interleaved: HTTP, new connection": [],
            "GET /health (HTTP alone), kept-alive": [],
        }
        mismatches = 0
        for number, (message, history) in enumerate(items[:WARM_UP] + items):
            body = json.dumps({"message": message, "history": history}, ensure_ascii=False).encode("utf-8")
            t0 = time.perf_counter()
            local = assistant.suggest(message, history=history).to_dict()
            t1 = time.perf_counter()
            kept = post_kept_alive(connection, body)
            t2 = time.perf_counter()
            fresh = post_new_connection(port, body)
            t3 = time.perf_counter()
            mismatches += int(not (local == kept == fresh))
            if number >= WARM_UP:
                timings["interleaved: in-process"].append(t1 - t0)
                timings["interleaved: HTTP, kept-alive connection"].append(t2 - t1)
                timings["interleaved: HTTP, new connection"].append(t3 - t2)
        # the HTTP round trip alone: a request that does no work
        for number in range(WARM_UP + queries):
            t0 = time.perf_counter()
            connection.request("GET", "/health")
            connection.getresponse().read()
            if number >= WARM_UP:
                timings["GET /health (HTTP alone), kept-alive"].append(time.perf_counter() - t0)
        connection.close()
        cli_server = time_cli(port, cli_runs, "包邮吗", no_server=False)
        cli_local = time_cli(port, cli_in_process_runs, "包邮吗", no_server=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "queries": queries,
        "start_s": start_s,
        "cases": len(assistant.engine.corpus.approved),
        "timings": {name: percentiles(samples) for name, samples in timings.items()},
        "mismatches": mismatches,
        "cli_server": cli_server,
        "cli_local": cli_local,
    }


def report(result: dict) -> str:
    rows = [[name, p50, p95] for name, (p50, p95) in result["timings"].items()]
    cli = [
        [
            "`assistant suggest --json` through the server",
            len(result["cli_server"]),
            min(result["cli_server"]),
            max(result["cli_server"]),
        ],
        [
            "`assistant suggest --json --no-server`",
            len(result["cli_local"]),
            min(result["cli_local"]),
            max(result["cli_local"]),
        ],
    ]
    http_p50 = result["timings"]["HTTP, kept-alive connection (client without a model)"][0]
    return f"""## Local API (`bench/api_speed.py`)

Machine: {machine()}. `assistant serve` as a separate process on a loopback port over the shipped
corpus ({result["cases"]:,} approved cases, flat index); it answered /health {result["start_s"]:.1f} s after
it was started (model, index and one warm-up answer load before the port opens). Then
{result["queries"]} labeled evaluation messages (with their history), after {WARM_UP} warm-up calls
each time: over one kept-alive connection by a client with no model of its own (a browser
extension or workbench plugin); in-process `Assistant.suggest(...).to_dict()` with the server
idle; then, with both processes holding a model, each message timed three ways in turn so that
all three see the same load (in-process, kept-alive, a new connection per call as `assistant
suggest` makes). Answers that differed between in-process and HTTP: {result["mismatches"]}.

{markdown_table(["suggest, warm", "p50 ms", "p95 ms"], rows)}

Target: HTTP p50 ≤ 20 ms — {"met" if http_p50 <= 20 else "NOT met"} ({http_p50:.1f} ms, first row). `GET /health` is
the cost of HTTP itself (uvicorn, FastAPI, JSON); the rest of the gap to in-process is switching
between two processes on two cores shared with other work (two models in memory, interleaved,
slow both down).

Whole commands, wall time in seconds (Python start, imports, the probe of /health, the answer):

{markdown_table(["command", "runs", "fastest s", "slowest s"], cli)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--cli-in-process-runs", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave docs/benchmarks.md alone.")
    args = parser.parse_args()
    result = run(args.queries, args.cli_runs, args.cli_in_process_runs)
    publish("api_speed", report(result), write=not args.no_write)


if __name__ == "__main__":
    main()
