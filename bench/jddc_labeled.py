"""The labeled set of real JD agent replies: how it was sampled, and how its references are resolved.

    python bench/jddc_labeled.py sample [--seed 14]      # print the sampled references with their text (terminal only)
    python bench/jddc_labeled.py show [--split tune]     # print labeled items with their text and labels

The labeled set (``tests/data/jddc_labeled.jsonl``) stores only references into ``../shared`` and
labels, never the JDDC text (the data may not be redistributed). One line per reply::

    {"file": "data/external/jddc2019-sample/chat_0.1per.txt", "line": 812, "split": "holdout",
     "expected": ["refusal.blunt"], "source": "random", "note": "不可以的 with no reason"}

``file`` is relative to ``../shared``; ``line`` is the line of the reply's first agent message (for
JDDC 2018 the line of ``trainAnswers.txt``, aligned with ``trainQuestions.txt``). A reply is what
``assistant audit`` checks: the run of consecutive agent messages, with the buyer messages just
before it as the message and earlier turns as history (``assistant.audit.load_rows``).

``split`` is ``tune`` (may be read while changing the rules) or ``holdout`` (reported, never used to
tune). ``source`` says how the item was drawn: ``random`` (uniform, fixed seed), ``cue:<name>``
(enrichment: replies or buyer messages with words that suggest a rule, so every rule has positives;
the cues are simple regexes written here, independent of the checklist; ``sample()`` reproduces
these 753), ``cue:extra`` (8 replies found by searching for rare rules' words), or ``cue:batch2`` /
``cue:batch3`` (140 replies drawn later, all in the tune half: half that the issue-14 rules flagged
as answering a complaint, half to buyer messages with negative cues the rules left alone), and
``cue:batch4`` to ``cue:batch12`` (later fresh tune batches, each labeled blind and scored before the
rules changed for it; see docs/benchmarks.md; ``cue:batch12``: 25 uniform, 15 to buyer complaint cues,
10 by reply cues, seed 1412, labeled blind for bench/checklist_forward.py); ``cue:batch13`` (50 JDDC
2019 replies from chats with no labeled reply: 25 uniform, 15 to buyer complaint cues, 10 by reply
cues, seed 1413) and ``cue:batch14`` to ``cue:batch16`` (40, 38 and 40 replies drawn where the
complaint, refusal, stock or length rules fire, seeds 1414-1416; 16 from JDDC 2018, at least 6 lines
from any labeled line), each labeled blind before the rules' verdicts were shown; ``cue:batch17``
(45 JDDC 2018 replies at least 6 lines from any labeled one, seed 1417: 25 where those rules fire,
12 whose context has a buyer complaint cue, 8 uniform; the reply labeled is the agent's whole run of
messages as read from the raw context, whoever the role guess says spoke), labeled blind likewise;
``cue:batch18`` (80 JDDC 2019 replies drawn like the held-out half's JDDC 2019 part, seed 1418: 56
uniform, 8 whose buyer turns (this message or the last two) have a complaint cue, the buyer cue
widened by 还没 / 为什么 / 等了 / 不能用 / 退款 … because every reply to the narrow cue was labeled already,
16 by reply cues; one reply per chat, from chats with no held-out reply, never a labeled line),
labeled blind against the spec before the rules were run on it; ``cue:batch19`` (80 replies in the
held-out half's proportions, seed 1419: 51 JDDC 2019 (37 uniform, 5 to the widened buyer cue, 9 by
reply cues) from chats with no held-out reply, 29 JDDC 2018 (16 uniform, 4 buyer cue, 9 reply cues)
at least 6 lines from any labeled line; exhausted reply cues topped up uniformly), labeled blind likewise.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.audit import AuditInput, load_rows  # noqa: E402

SHARED = ROOT.parent / "shared"
LABELED = ROOT / "tests" / "data" / "jddc_labeled.jsonl"
SOURCES = {
    "data/external/jddc2019-sample/chat_0.1per.txt": (
        "jddc2019",
        "data/external/jddc2019-sample/chat_0.1per.txt",
    ),
    "data/external/jddc2018-baseline/trainAnswers.txt": (
        "jddc2018",
        "data/external/jddc2018-baseline/trainQuestions.txt",
    ),
}
# Enrichment cues (reply side, buyer side); chosen to find candidates, not to judge them.
REPLY_CUES = {
    "refusal": r"不行|不可以|不能|没办法|没法|做不到|无法|不支持",
    "ni": r"你(?!们)",
    "shout": r"[！!？?]{2}",
    "bare": r"^\s*(?:在|在的|在呢|在的呢|在的哦|嗯+|恩+|哦+|好|好的|ok|噢)\W*$",
    "absolute": r"最|第一|绝对|100%|顶级|永不|万能",
    "offsite": r"微信|qq|QQ|支付宝|私下|线下",
    "stock": r"没货|无货|卖完|缺货|售罄|没有了|下架",
    "tone": r"自己|必须|赶紧|快点|都说了|说过了|到底|难道|不是说|呵呵|无语|晕|随便",
    "greeting": r"您好.{0,40}您好",
}
BUYER_CUES = {
    "complaint": r"[！!]|怎么回事|太差|垃圾|投诉|坏了|破了|烂|生气|骗|失望|差评|什么情况|搞什么|还没到|还没发|这么慢|不满意|不接|找不到",
}


@dataclass(frozen=True)
class Item:
    """One labeled reply, resolved: the reference, the labels and the audit input it points to."""

    file: str
    line: int
    split: str
    expected: frozenset[str]
    source: str
    note: str
    row: AuditInput


_ROWS: dict[str, dict[int, AuditInput]] = {}


def rows_of(file: str, shared: Path = SHARED) -> dict[int, AuditInput]:
    """The audit rows of one source file, by the line of their first agent message."""
    if file not in _ROWS:
        fmt, read = SOURCES[file]
        _ROWS[file] = {row.line: row for row in load_rows(shared / read, fmt)}
    return _ROWS[file]


def load_items(path: Path = LABELED, shared: Path = SHARED, split: str | None = None) -> list[Item]:
    """The labeled items (optionally one split), resolved against ``shared``.

    Raises:
        FileNotFoundError: ``shared`` lacks a source file.
        KeyError: a reference points at a line that is not the start of a reply.
    """
    items = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        data = json.loads(text)
        if split is not None and data["split"] != split:
            continue
        rows = rows_of(data["file"], shared)
        if data["line"] not in rows:
            raise KeyError(f"{path}:{number}: {data['file']}:{data['line']} is not the start of a reply")
        items.append(
            Item(
                data["file"],
                data["line"],
                data["split"],
                frozenset(data["expected"]),
                data.get("source", ""),
                data.get("note", ""),
                rows[data["line"]],
            )
        )
    return items


def sample(seed: int = 14, random_2019: int = 300, random_2018: int = 150, per_cue: int = 14) -> list[dict]:
    """The references of the labeled set as drawn (before labeling): uniform samples of each file,
    then up to ``per_cue`` replies per enrichment cue and file; split into tune/holdout halves
    alternately within each source, after a seeded shuffle."""
    rng = random.Random(seed)
    picked: dict[tuple[str, int], str] = {}
    for file, n in zip(SOURCES, (random_2019, random_2018), strict=True):
        rows = rows_of(file)
        for line in rng.sample(sorted(rows), n):
            picked[(file, line)] = "random"
    for file in SOURCES:
        rows = rows_of(file)
        lines = sorted(rows)
        for side, cues in (("reply", REPLY_CUES), ("buyer", BUYER_CUES)):
            for name, pattern in cues.items():
                rx = re.compile(pattern)
                hits = [
                    line
                    for line in lines
                    if (file, line) not in picked
                    and rx.search(rows[line].reply if side == "reply" else (rows[line].message or ""))
                ]
                count = per_cue * (3 if side == "buyer" else 1)
                for line in rng.sample(hits, min(count, len(hits))):
                    picked[(file, line)] = f"cue:{name}"
    by_source: dict[str, list[tuple[str, int]]] = {}
    for key, source in sorted(picked.items()):
        by_source.setdefault(source, []).append(key)
    out = []
    for source, keys in sorted(by_source.items()):
        rng.shuffle(keys)
        for i, (file, line) in enumerate(keys):
            out.append({"file": file, "line": line, "split": ("tune", "holdout")[i % 2], "source": source})
    return out


def _show(row: AuditInput) -> str:
    history = " ‖ ".join(f"{'B' if r == 'buyer' else 'A'}:{t[:40]}" for r, t in row.history[-3:])
    message = (row.message or "").replace("\n", " / ")
    reply = row.reply.replace("\n", " / ")
    return f"   H: {history[-160:]}\n   B: {message[-160:]}\n   R: {reply[:300]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("sample", "show"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--split", choices=("tune", "holdout"))
    args = parser.parse_args()
    if args.what == "sample":
        for n, ref in enumerate(sample(args.seed)):
            row = rows_of(ref["file"])[ref["line"]]
            print(f"{n} {ref['file'][14:22]}:{ref['line']} {ref['split']} {ref['source']}\n{_show(row)}")
    else:
        for item in load_items(split=args.split):
            print(f"{item.file[14:22]}:{item.line} {sorted(item.expected)} {item.note}\n{_show(item.row)}")


if __name__ == "__main__":
    main()
