"""Soak: minutes of mixed random calls on one warm ``Assistant``, as a busy shop would make them.

Each call is drawn at random: ``suggest`` (45%), ``check`` (30%), ``audit`` of a 200-row frame (5%)
and feedback (20%: a 👍/👎 in the feedback log, every fifth an edited reply saved as a candidate
case). A share of the inputs is hostile: emoji, HTML and script tags, markdown, control characters,
lone surrogates, whitespace only, longer than the limit. A clear refusal (``InputError``) of input
that deserves one counts as *refused*; any other exception, or a refusal of good input, is an
*error*. At the end every feedback entry and candidate written must be found again.

Reported per minute: calls, errors, p95 latency of each kind, resident memory; and memory growth
from the end of the first minute to the end (the first minute includes warming up).

    python bench/soak.py [--minutes 10] [--seed 7] [--no-write]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, percentiles, publish  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.corpus import load_corpus  # noqa: E402
from assistant.errors import InputError  # noqa: E402
from assistant.evaluation import default_eval_file, load_labeled  # noqa: E402
from assistant.text import valid_text  # noqa: E402

KINDS = ("suggest", "check", "audit", "feedback")
WEIGHTS = (45, 30, 5, 20)
HOSTILE = [
    "<script>alert(1)</script>在吗",
    "**包邮吗** [点我](javascript:alert(1))",
    "😀😀😀 有货吗 🙏",
    "在吗\x00\x07\x1b[31m",
    "尺码\ud800怎么选",
    "<img src=x onerror=alert(1)>退货",
    "[/red]快点发货[bold]",
    "\u200b\u200b亲\u200b",
]
MUST_REFUSE = ["", "   \n\t ", "x" * 30_000]


def rss_mib() -> float:
    """Resident memory now (Linux), else the peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Soak:
    def __init__(self, assistant: Assistant, rng: random.Random) -> None:
        self.assistant = assistant
        self.rng = rng
        self.messages = [item for item in load_labeled(default_eval_file())]
        self.replies = [c.reply for c in assistant.corpus.approved]
        self.feedback_written = 0
        self.candidates_written: list[str] = []

    def message(self) -> tuple[str, bool]:
        """A buyer message and whether it must be refused."""
        roll = self.rng.random()
        if roll < 0.03:
            return self.rng.choice(MUST_REFUSE), True
        if roll < 0.15:
            return self.rng.choice(HOSTILE), False
        return self.rng.choice(self.messages).message, False

    def reply(self) -> str:
        reply = self.rng.choice(self.replies)
        if self.rng.random() < 0.3:  # what agents actually type: blunt, shouty, off-platform
            reply = (
                self.rng.choice(
                    ["不知道", "你自己看详情页！！！", "加我微信聊", "已经是最低价了，爱买不买", "<b>亲</b>"]
                )
                + reply
            )
        return reply

    def call(self, kind: str) -> bool:
        """Run one call; True when a refusal was expected (and came)."""
        a, rng = self.assistant, self.rng
        text, refuse = self.message()
        try:
            if kind == "suggest":
                item = rng.choice(self.messages)
                history = item.history if rng.random() < 0.3 else None
                result = a.suggest(text, history=history, k=rng.randint(1, 5))
                assert result.suggestions, f"no suggestion for {text!r}"
            elif kind == "check":  # the drawn text as the reply this time
                a.check(
                    text if refuse or rng.random() < 0.2 else self.reply(),
                    message=rng.choice(self.messages).message,
                )
            elif kind == "audit":  # a frame holds whatever the log held: no refusal expected
                refuse = False
                # pandas' string columns cannot hold lone surrogates, so no log file can either
                rows = [(valid_text(self.message()[0]), self.reply()) for _ in range(200)]
                report = a.audit(pd.DataFrame(rows, columns=["message", "reply"]))
                assert report.total == 200, report.total
            elif rng.random() < 0.2:  # an edited reply saved as a candidate case
                case = a.save_candidate(text, self.reply(), agent=f"soak{rng.randint(1, 8)}")
                self.candidates_written.append(case.id)
            else:  # a 👍/👎; an empty reply is refused
                reply = "  " if refuse else self.reply()
                a.record_feedback(text, reply, rng.choice(("up", "down")), agent=f"soak{rng.randint(1, 8)}")
                self.feedback_written += 1
        except InputError:
            if refuse:
                return True
            raise
        if refuse:
            raise AssertionError(f"{kind} answered input it should refuse ({len(text)} characters)")
        return False


def run(minutes: float, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        corpus_dir = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus_dir, ignore=shutil.ignore_patterns(".*"))
        models = ROOT / "data" / "models"  # reuse the converted model
        if models.is_dir():
            shutil.copytree(models, Path(scratch) / "models")
        assistant = Assistant(Settings.load(None, corpus_dir=str(corpus_dir), data_dir=scratch))
        assistant.build(full=True, progress=True)
        soak = Soak(assistant, rng)
        started = time.perf_counter()  # the minutes count from the first call
        minute_stats: list[dict] = []
        errors: list[str] = []
        deadline = started + minutes * 60
        minute = 0
        while time.perf_counter() < deadline:
            window_end = min(deadline, started + (minute + 1) * 60)
            latencies: dict[str, list[float]] = defaultdict(list)
            counts: Counter = Counter()
            while time.perf_counter() < window_end:
                kind = rng.choices(KINDS, WEIGHTS)[0]
                t0 = time.perf_counter()
                try:
                    counts["refused"] += soak.call(kind)
                except Exception as exc:  # the soak counts every failure instead of stopping
                    counts["errors"] += 1
                    if len(errors) < 10:
                        errors.append(f"{kind}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
                latencies[kind].append(time.perf_counter() - t0)
                counts["calls"] += 1
            minute += 1
            row = {"minute": minute, "rss": rss_mib(), **counts}
            row.update(
                {
                    f"p95 {kind}": percentiles(latencies[kind])[1] if latencies[kind] else float("nan")
                    for kind in KINDS
                }
            )
            minute_stats.append(row)
            print(
                f"minute {minute}: {counts['calls']} calls, {counts['errors']} errors, {counts['refused']} refused, "
                f"RSS {row['rss']:.0f} MiB, " + ", ".join(f"p95 {k} {row[f'p95 {k}']:.1f} ms" for k in KINDS),
                flush=True,
            )
        found_feedback = len(assistant.feedback())
        found_candidates = {c.id for c in load_corpus(corpus_dir).cases if c.status == "candidate"}
        lost = soak.feedback_written - found_feedback + len(set(soak.candidates_written) - found_candidates)
        for text in errors:
            print(text, file=sys.stderr)
        return {
            "minutes": minute_stats,
            "errors": sum(r.get("errors", 0) for r in minute_stats),
            "calls": sum(r.get("calls", 0) for r in minute_stats),
            "refused": sum(r.get("refused", 0) for r in minute_stats),
            "feedback": soak.feedback_written,
            "candidates": len(soak.candidates_written),
            "lost": lost,
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    result = run(args.minutes, args.seed)
    rows = [
        [r["minute"], r.get("calls", 0), r.get("errors", 0), r.get("refused", 0)]
        + [f"{r[f'p95 {k}']:.1f}" for k in KINDS]
        + [round(r["rss"])]
        for r in result["minutes"]
    ]
    table = markdown_table(
        ["minute", "calls", "errors", "refused"] + [f"p95 {k} ms" for k in KINDS] + ["RSS MiB"], rows
    )
    stats = result["minutes"]
    growth = stats[-1]["rss"] - stats[0]["rss"] if len(stats) > 1 else 0.0
    body = "\n\n".join(
        [
            "## Soak: mixed calls on one warm assistant",
            f"`python bench/soak.py --minutes {args.minutes:g}` — {machine()}. Random `suggest` (45%), "
            "`check` (30%), `audit` of 200 rows (5%) and feedback or candidate saves (20%) on the shipped "
            "corpus; 12% hostile input (emoji, HTML/script, markdown, control characters, lone surrogates) "
            "that must be answered, 3% empty or over-long input that must be refused clearly.",
            table,
            f"**{result['calls']:,} calls, {result['errors']} errors**, {result['refused']} clear refusals; "
            f"{result['feedback']:,} feedback entries and {result['candidates']:,} candidate cases written, "
            f"{result['lost']} lost. Resident memory grew {growth:+.0f} MiB from the end of minute 1 "
            f"({stats[0]['rss']:.0f} MiB) to the end ({stats[-1]['rss']:.0f} MiB).",
            "The feedback column includes saving candidate cases, which reads every case file to keep ids "
            f"unique: its p95 grows with the inbox ({result['candidates']:,} candidates by the end), which "
            "trainers empty by approving or rejecting.",
        ]
    )
    publish("soak", body, write=not args.no_write)
    if result["errors"] or result["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
