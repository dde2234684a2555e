"""Fresh rows at first sight (issue 12): sets written while a session's work went on and kept from its
engineers until the work was done, each measured once at that session's start commit and once at its end.

Each set's folder (``bench/fresh/`` … ``bench/fresh8/``) holds the rows (an independent writer who read
only the taxonomy and the devset README), the per-item results of both runs (``results/start.jsonl``,
``results/end.jsonl``) and the blind judges' ratings (``ratings.jsonl``: start and end suggestions mixed
in one shuffled pool under anonymous packet ids, so a judge could not tell which tree wrote a
suggestion; suggestions both trees gave alike were rated once and count for both). This script runs
the current tree over the rows too, so the tables show start, end and now side by side, and writes its
section of docs/benchmarks.md.

Usage: python bench/fresh_eval.py [--no-write]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import heldout_eval  # noqa: E402
from common import ROOT, machine, markdown_table, publish  # noqa: E402


@dataclass(frozen=True)
class FreshSet:
    """One set of fresh rows and the session it measured."""

    folder: str
    start_commit: str
    end_commit: str
    writer: str
    judges: str


FRESH_SETS = (
    FreshSet("fresh", "6a58c5d", "ba86b09", "a fourth independent writer", "four new judges"),
    FreshSet("fresh2", "1e289bb", "c66405c", "a fifth independent writer", "four new judges"),
    FreshSet("fresh3", "e093325", "de18fa2", "a tenth independent writer", "four new judges"),
    FreshSet("fresh4", "31a341c", "fe20362", "an eleventh independent writer", "four new judges"),
    FreshSet("fresh5", "88e1f3e", "591425d", "a fourteenth independent writer", "four new judges"),
    FreshSet("fresh6", "a9da290", "55ea09b", "a nineteenth independent writer", "four new judges"),
    FreshSet("fresh7", "0f6bf85", "58f863a", "a twentieth independent writer", "four new judges"),
    FreshSet("fresh8", "9a0eca3", "d4c3da1", "a twenty-first independent writer", "four new judges"),
    FreshSet("fresh9", "f01afb3", "2dab715", "a twenty-second independent writer", "four new judges"),
    FreshSet("fresh10", "f7a3d4f", "3be7193", "a twenty-third independent writer", "four new judges"),
    FreshSet("fresh11", "474cb08", "8de3c7f", "a twenty-fourth independent writer", "four new judges"),
    FreshSet("fresh12", "8509f24", "b4caff6", "a twenty-fifth independent writer", "four new judges"),
    FreshSet("fresh13", "37379bb", "29d8e3e", "a twenty-sixth independent writer", "three new judges"),
    FreshSet("fresh14", "37379bb", "9f32f71", "a twenty-seventh independent writer", "four new judges"),
    FreshSet("fresh15", "c99f930", "d01b81f", "a twenty-eighth independent writer", "three new judges"),
    FreshSet("fresh16", "c99f930", "d01b81f", "a twenty-ninth independent writer", "three new judges"),
)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judged(ratings: list[dict], version: str, set_name: str) -> list[object]:
    """top >= 1, top = 2 and the shown (not holding) share of one tree's suggestions for one set."""
    rows = [r for r in ratings if version in r["versions"] and r["set"] == set_name]
    shown = [r for r in rows if not r["holding"]]
    n, s = len(rows), max(1, len(shown))
    return [
        n,
        sum(r["top"] >= 1 for r in rows) / n,
        sum(r["top"] == 2 for r in rows) / n,
        len(shown),
        sum(r["top"] >= 1 for r in shown) / s,
        sum(r["top"] == 2 for r in shown) / s,
    ]


def section(assistant: object, fresh: FreshSet) -> list[str]:
    """The expectations and judge tables of one fresh set: start, end (stored) and now (run here)."""
    folder = ROOT / "bench" / fresh.folder
    runs = {tag: read_jsonl(folder / "results" / f"{tag}.jsonl") for tag in ("start", "end")}
    now: list[dict] = []
    for set_name in ("singles", "conversations"):
        rows, _ = heldout_eval.evaluate(assistant, heldout_eval.load(set_name, folder))
        now += [{**r, "set": set_name} for r in rows]
    runs["now"] = now
    trees = {"start": f"start `{fresh.start_commit}`", "end": f"end `{fresh.end_commit}`", "now": "this tree"}
    table = [
        [trees[tag], *heldout_eval.summarise(set_name, [r for r in runs[tag] if r["set"] == set_name])]
        for set_name in ("singles", "conversations")
        for tag in ("start", "end", "now")
    ]
    ratings = read_jsonl(folder / "ratings.jsonl")
    judge_table = [
        [trees[version], set_name, *judged(ratings, version, set_name)]
        for set_name in ("singles", "conversations")
        for version in ("start", "end")
    ]
    counts = {s: sum(r["set"] == s for r in runs["start"]) for s in ("singles", "conversations")}
    return [
        f"### `bench/{fresh.folder}/`",
        "",
        f"{counts['conversations']} conversations and {counts['singles']} single messages (10 categories, all",
        f"26 scenarios) written by {fresh.writer} who read only the taxonomy and the devset README, while",
        "a session's engineers worked, and kept from them until their work was done. Each tree saw them",
        "once: that session's start commit and its end commit (stored results), and the current tree (run",
        "now). From then on they are development data like `bench/devset/`.",
        "",
        markdown_table(["tree", *heldout_eval.SUMMARY_HEADER], table),
        "",
        f"Blind judges ({fresh.judges}; rubric `bench/heldout/RUBRIC.md`): the start and end trees'",
        "suggestions for every row were mixed in one shuffled pool under anonymous ids, so no judge",
        "knew which tree wrote what; suggestions both trees gave alike were rated once and count for",
        f"both. Per-item ratings: `bench/{fresh.folder}/ratings.jsonl`.",
        "",
        markdown_table(
            ["tree", "set", "rated", "top ≥ 1", "top = 2", "shown (not holding)", "shown ≥ 1", "shown = 2"],
            judge_table,
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()
    from assistant.config import Settings
    from assistant.core import Assistant

    assistant = Assistant.load(Settings.load())
    lines = [
        "## Fresh rows at first sight (`bench/fresh_eval.py`, issue 12)",
        "",
        f"`python bench/fresh_eval.py` · {machine()}",
        "",
    ]
    for fresh in FRESH_SETS:
        lines += section(assistant, fresh)
    publish("fresh", "\n".join(lines).rstrip() + "\n", write=not args.no_write)


if __name__ == "__main__":
    main()
