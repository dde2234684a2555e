"""Replaying a shop's own past chats (issue 13): the JDDC samples as a shop's history.

    python bench/replay_jddc.py [--part jddc2019|jddc2018|speed] [--no-write]

Each part is its own run (each stays under three minutes on the 2-core machines) and writes its
own section of docs/benchmarks.md:

* ``jddc2019``: ``chat_0.1per.txt`` (994 sessions), a seeded 20% session holdout; the other 80%
  imported and approved by the policy ``passed`` (every candidate that passes the checklist); the
  held-out sessions replayed turn by turn through the starter corpus alone, the imported history
  alone, and both together.
* ``jddc2018``: the first 3,000 lines of ``trainQuestions.txt``/``trainAnswers.txt`` (a sample: the
  whole file would take about three times as long), the same 20% holdout and policy. Each line is a
  context and one reply, so each held-out line is one replayed turn.
* ``speed``: every session of the JDDC 2019 sample (994 conversations) replayed with the current
  corpus: the time to replay about 1,000 conversations.

The logs are read in place from ``../shared/data/external`` and never copied.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, machine, markdown_table, publish  # noqa: E402

from assistant.core import Assistant  # noqa: E402

EXTERNAL = SHARED / "data" / "external"
JDDC2019 = EXTERNAL / "jddc2019-sample" / "chat_0.1per.txt"
JDDC2018 = EXTERNAL / "jddc2018-baseline" / "trainQuestions.txt"
JDDC2018_LINES = 3000
POLICY = "passed"
HOLDOUT = 0.2
SEED = 0
NAMES = {"starter": "starter corpus alone", "history": "imported history alone", "both": "both together"}


def replay_table(report) -> str:
    rows = []
    for r, c in zip(report.summary(), report.corpora, strict=True):
        rows.append(
            [
                NAMES.get(r.corpus, r.corpus),
                f"`{r.corpus_hash[:8]}`",
                c.cases,
                r.turns,
                f"{r.coverage:.1%}",
                f"{r.abstained / r.turns:.1%}" if r.turns else "-",
                *(f"{r.hit_rate(t):.1%}" for t in report.thresholds),
                f"{r.ungrounded_share:.1%}",
                f"{r.avoided}/{r.agent_violations}",
            ]
        )
    return markdown_table(
        [
            "corpus",
            "version",
            "approved cases",
            "turns",
            "coverage",
            "abstained",
            *(f"hit@{t:g}" for t in report.thresholds),
            "ungrounded",
            "agent violations avoided",
        ],
        rows,
    )


def scenario_table(report, top: int = 8) -> str:
    """Hit rate at the middle threshold per scenario (the scenarios with most turns)."""
    threshold = report.thresholds[len(report.thresholds) // 2 - 1]
    by = {}
    for r in report.by_scenario():
        by.setdefault(r.scenario, {})[r.corpus] = r
    modes = [c.mode for c in report.corpora]
    first = modes[0]
    order = sorted(by, key=lambda s: -max(r.turns for r in by[s].values()))[:top]
    rows = []
    for scenario in order:
        cells = [scenario, max(r.turns for r in by[scenario].values())]
        for mode in modes:
            r = by[scenario].get(mode)
            cells.append(f"{r.hit_rate(threshold):.1%}" if r else "-")
        rows.append(cells)
    del first
    return (
        f"Hit rate at {threshold:g} per detected scenario (the {top} scenarios with most turns; a "
        "scenario is detected per corpus, so turn counts differ slightly):\n\n"
        + markdown_table(["scenario", "turns", *(NAMES.get(m, m) for m in modes)], rows)
    )


def part_log(assistant: Assistant, name: str, log: Path, fmt: str, limit: int | None, write: bool) -> None:
    started = time.perf_counter()
    report = assistant.replay(
        log,
        fmt=fmt,
        holdout=HOLDOUT,
        seed=SEED,
        modes=("starter", "history", "both"),
        policy=POLICY,
        limit=limit,
    )
    seconds = time.perf_counter() - started
    history = next(c for c in report.corpora if c.mode == "history")
    times = ", ".join(
        f"{c.mode} {c.prepare_s:.0f} s to build + {c.replay_s:.0f} s to replay" for c in report.corpora
    )
    sample = f"the first {limit:,} lines of " if limit else ""
    body = f"""## Replaying past chats: {name} (`bench/replay_jddc.py --part {name}`, issue 13)

{sample}`{log.name}` (read from `../shared`, never copied) as a shop's chat export:
{report.sessions:,} sessions, a seeded session-level holdout of {report.holdout:.0%} (seed {report.seed},
{report.heldout_sessions:,} sessions held out). The other {report.train_sessions:,} sessions were
imported ({history.imported:,} candidates, labelled by the starter corpus's detector) and approved by
the policy `{POLICY}` ({history.approved:,} approved; never one that fails the checklist). Every agent
reply of the held-out sessions was then replayed through `Assistant.suggest` with the true history
so far. A **hit** is a shown suggestion whose intent does not conflict with the real reply's
(`intents.toml`) and whose cosine similarity to the real reply reaches the threshold; rates are over
all replayed turns (an abstention is a miss). **Ungrounded** is the share of shown suggestions
(holding replies included) with a fact that neither the conversation, the shop nor its catalog
supplied (`Grounder.ungrounded`). **Agent violations avoided**: checklist rules the real replies
broke that the shown top suggestion does not break. {machine()}; whole run {seconds:.0f} s ({times}).

{replay_table(report)}

{scenario_table(report)}
"""
    publish(f"replay_{name}", body, write=write)


def part_speed(assistant: Assistant, write: bool) -> None:
    _ = assistant.engine  # model and index loaded first: the replay time is the replay alone
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    report = assistant.replay(JDDC2019, fmt="jddc2019", holdout=1.0, modes=("current",))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    (row,) = report.summary()
    conversations = report.heldout_sessions
    body = f"""## Replay speed (`bench/replay_jddc.py --part speed`, issue 13)

Every session of the JDDC 2019 sample ({conversations:,} conversations, {row.turns:,} agent replies
replayed) through the current corpus (`{row.corpus_hash[:8]}`, model and index loaded first), reading,
suggesting, grounding audit, checklist and one batch encoding of the real replies and suggestions
included:

| measure | value |
|---|---:|
| wall time | {seconds:.0f} s ({seconds / max(conversations, 1) * 1000:.0f} ms a conversation) |
| CPU time of the process | {cpu:.0f} s ({cpu / max(row.turns, 1) * 1000:.1f} ms a turn) |
| load average before / after (2 cores, shared with other jobs) | {load_before:.1f} / {os.getloadavg()[0]:.1f} |

The target is under 2 minutes for 1,000 conversations. Suggesting is single-threaded (one torch
thread per message) and only the final batch encoding uses both cores, so on an otherwise idle
2-core machine the wall time is at most about the CPU time; on a loaded one it stretches by the load.
{machine()}.
"""
    publish("replay_speed", body, write=write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("jddc2019", "jddc2018", "speed"), default="jddc2019")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    assistant = Assistant.load()
    if args.part == "jddc2019":
        part_log(assistant, "jddc2019", JDDC2019, "jddc2019", None, not args.no_write)
    elif args.part == "jddc2018":
        part_log(assistant, "jddc2018", JDDC2018, "jddc2018", JDDC2018_LINES, not args.no_write)
    else:
        part_speed(assistant, not args.no_write)


if __name__ == "__main__":
    main()
