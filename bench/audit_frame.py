"""Audit throughput from a DataFrame vs the core, and the memory of a 200,000-row result.

    python bench/audit_frame.py [--rows 200000] [--no-write]

The frame is the JDDC 2019 chat sample's agent replies (with the buyer message before each and its
session), repeated to ``--rows`` rows; the text never leaves this process. Measured side by side in
one run, on one core:

- core: ``audit.audit(rows, rules)`` over ``AuditInput`` records made beforehand;
- DataFrame: ``audit.audit_dataframe(frame, rules, by="session")`` (column choice, reading the
  columns, grouping with pandas' key order);
- ``%audit``: the magic in an IPython shell (``%audit frame --by session``), which also builds the
  per-row frame, the per-rule, per-group and long frames;

and the memory the ``%audit`` result keeps: the growth of the process's resident memory from
before the magic runs to after it has returned (the result with its report and frames; the
input frame was made before and is not counted; an upper bound, as freed memory is not always
returned to the system).
Prints a table and writes it to docs/benchmarks.md between ``<!-- bench:audit_frame -->`` markers.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, machine, markdown_table, publish  # noqa: E402

JDDC = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"
LIMIT_MB = 150


def _rss_mb() -> float:
    """Resident memory of this process (Linux), in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


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
    inputs = [
        AuditInput(i + 1, reply, message, group=session)
        for i, (session, message, reply) in enumerate(
            zip(frame["session"].tolist(), frame["message"].tolist(), frame["reply"].tolist(), strict=True)
        )
    ]
    results = []

    def timed(label: str, run) -> object:
        gc.collect()
        start = time.perf_counter()
        out = run()
        seconds = time.perf_counter() - start
        results.append((label, seconds))
        print(f"{label}: {n / seconds:,.0f} replies/s", file=sys.stderr)
        return out

    core = timed("core: audit(AuditInput rows)", lambda: audit(inputs, rules, by="session"))
    framed = timed("DataFrame: audit_dataframe", lambda: audit_dataframe(frame, rules, by="session"))
    assert core.passed == framed.passed and [r.count for r in core.rules] == [r.count for r in framed.rules]
    del core, framed
    shell = start_ipython()
    shell.run_line_magic("load_ext", "assistant")
    shell.user_ns["frame"] = frame
    shell.user_ns["small"] = frame.head(100)
    shell.run_line_magic("audit", "small --by session")  # warm: imports, corpus
    shell.user_ns.pop("_", None)
    gc.collect()
    before = _rss_mb()
    result = timed("%audit frame --by session", lambda: shell.run_line_magic("audit", "frame --by session"))
    shell.user_ns.pop("_", None)
    gc.collect()
    held_mb = _rss_mb() - before
    assert isinstance(result, pd.DataFrame) and len(result) == n
    core_rate = n / results[0][1]
    rows = [
        [label, f"{n / seconds:,.0f}", f"{seconds:.1f}", f"{(n / seconds) / core_rate:.0%}"]
        for label, seconds in results
    ]
    body = (
        f"### Audit from a DataFrame ({n:,} rows)\n\n"
        f"`python bench/audit_frame.py --rows {n}`: the JDDC 2019 sample's agent replies repeated to "
        f"{n:,} rows, on one core. The %audit row includes building the per-row, per-rule, per-group and "
        "long frames.\n\n"
        + markdown_table(["path", "replies/s", "seconds", "vs core"], rows)
        + f"\n\nMemory kept by the `%audit` result (growth of resident memory; report + frames, the input frame not counted): "
        f"**{held_mb:,.0f} MB** for {n:,} rows (limit {LIMIT_MB} MB).\n\n{machine()}\n"
    )
    publish("audit_frame", body, write=not args.no_write)


if __name__ == "__main__":
    main()
