"""Audit throughput from a DataFrame vs the core, and the memory of a 200,000-row result.

    python bench/audit_frame.py [--rows 200000] [--speed-rows N] [--no-write]

The frame is the JDDC 2019 chat sample's agent replies (with the buyer message before each and its
session), repeated to ``--rows`` rows; the text never leaves this process. Measured side by side in
one run, on one core:

- core: ``audit.audit(rows, rules)`` over ``AuditInput`` records made beforehand, and
- DataFrame: ``audit.audit_dataframe(frame, rules, by="session")`` (column choice, reading the
  columns, grouping with pandas' key order), both on the first ``--speed-rows`` rows (default: all;
  fewer keep the benchmark short when the checklist is slow);
- ``%audit``: the magic in an IPython shell (``%audit frame --by session``) on all ``--rows``,
  which also builds the per-row frame, the per-rule, per-group and long frames;

each timed ``--rounds`` times, alternating, best kept (other work shares the cores); and the memory the
``%audit`` result keeps: what tracemalloc counts as allocated during one more run and still held
after it has returned (the result with its report and frames; the input frame is not counted).
Prints a table and writes it to docs/benchmarks.md between ``<!-- bench:audit_frame -->`` markers.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, machine, markdown_table, publish  # noqa: E402

JDDC = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"
LIMIT_MB = 150


def _frame(rows: int):
    import pandas as pd

    from assistant.audit import load_rows

    inputs = load_rows(JDDC, "jddc2019", by="session")
    base = pd.DataFrame(
        {
            "session": [r.group for r in inputs],
            "message": [r.message for r in inputs],
            "reply": [r.reply for r in inputs],
        }
    )
    repeats = -(-rows // len(base))
    frame = pd.concat([base] * repeats, ignore_index=True).iloc[:rows]
    # each copy its own sessions, as a larger log would have
    frame["session"] = frame["session"] + "-" + (frame.index // len(base)).astype(str)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--speed-rows",
        type=int,
        default=None,
        help="Rows for the core/DataFrame comparison (default: --rows).",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="Timed runs of each path, alternating; the best is kept."
    )
    parser.add_argument("--no-write", action="store_true", help="Print only; leave docs/benchmarks.md alone.")
    args = parser.parse_args()
    if not JDDC.is_file():
        sys.exit(f"{JDDC} is missing")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    import pandas as pd
    from IPython.testing.globalipapp import start_ipython

    from assistant.audit import AuditInput, audit, audit_dataframe
    from assistant.config import Settings
    from assistant.corpus import load_corpus

    rules = load_corpus(Settings.load().corpus_dir).rules
    frame = _frame(args.rows)
    n = len(frame)
    head = frame.iloc[: min(args.speed_rows or n, n)]
    inputs = [
        AuditInput(i + 1, reply, message, group=session)
        for i, (session, message, reply) in enumerate(
            zip(head["session"].tolist(), head["message"].tolist(), head["reply"].tolist(), strict=True)
        )
    ]
    shell = start_ipython()
    shell.run_line_magic("load_ext", "assistant")
    shell.user_ns["frame"] = frame
    shell.user_ns["small"] = frame.head(100)
    shell.run_line_magic("audit", "small --by session")  # warm: imports, corpus
    paths = [
        ("core: audit(AuditInput rows)", len(head), lambda: audit(inputs, rules, by="session")),
        ("DataFrame: audit_dataframe", len(head), lambda: audit_dataframe(head, rules, by="session")),
        ("%audit frame --by session", n, lambda: shell.run_line_magic("audit", "frame --by session")),
    ]
    best: dict[str, float] = {}
    outcomes = {}
    for _ in range(args.rounds):  # alternating rounds, best of each: other work shares these cores
        for label, rows, run in paths:
            gc.collect()
            start = time.perf_counter()
            outcomes[label] = run()
            seconds = time.perf_counter() - start
            best[label] = min(best.get(label, seconds), seconds)
            print(f"{label}: {rows / seconds:,.0f} replies/s", file=sys.stderr)
            shell.user_ns.pop("_", None)
    core, framed, result = (outcomes[label] for label, _, _ in paths)
    assert core.passed == framed.passed and [r.count for r in core.rules] == [r.count for r in framed.rules]
    assert isinstance(result, pd.DataFrame) and len(result) == n
    del core, framed, result, outcomes
    # memory: what the result still holds once the magic has returned (tracemalloc, exact; it
    # slows the run, which is why it is separate from the timings)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = shell.run_line_magic("audit", "frame --by session")
    shell.user_ns.pop("_", None)
    gc.collect()
    held_mb = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    tracemalloc.stop()
    assert len(kept) == n
    results = [(label, rows, best[label]) for label, rows, _ in paths]
    core_rate = results[0][1] / results[0][2]
    table = [
        [
            label,
            f"{rows:,}",
            f"{rows / seconds:,.0f}",
            f"{seconds:.1f}",
            f"{(rows / seconds) / core_rate:.0%}",
        ]
        for label, rows, seconds in results
    ]
    body = (
        f"### Audit from a DataFrame ({n:,} rows)\n\n"
        f"`python bench/audit_frame.py --rows {n} --speed-rows {len(head)} --rounds {args.rounds}`: the JDDC "
        f"2019 sample's agent replies (with the buyer message and session) repeated to {n:,} rows, on one "
        f"core; each path timed {args.rounds}× alternating, best kept. The core path gets its `AuditInput` "
        "records made before the clock starts; the DataFrame paths read the frame on the clock, and "
        "`%audit` also builds the per-row, per-rule, per-group (one row per session) and long frames. "
        "On the shared 2-core machine repeated runs move each ratio by about ±20% (other work shares "
        "the cores); alternating runs in one process found the DataFrame path between 0.8× and 1.4× "
        "the core's speed.\n\n"
        + markdown_table(["path", "rows", "replies/s", "seconds", "vs core"], table)
        + f"\n\nMemory kept by the `%audit` result (tracemalloc; report + frames, the input "
        f"frame not counted): **{held_mb:,.0f} MB** for {n:,} rows (limit {LIMIT_MB} MB).\n\n{machine()}\n"
    )
    publish("audit_frame", body, write=not args.no_write)


if __name__ == "__main__":
    main()
