"""Who spoke a JDDC 2018 context segment: the speaker guess of ``[jddc2018]`` in chat_patterns.toml.

    python bench/jddc_roles.py [--no-write]

JDDC 2018 contexts (trainQuestions.txt) join the turns of a chat with commas and do not say who
wrote each; ``assistant.chat_read`` guesses it (the answers file's lines, then how agents and buyers
write: ``agent_voice`` / ``buyer_voice``). A wrong guess moves agent words into the buyer's message
(亲收到之后…可以换货的哦 read as a complaint) or hides the buyer's. This bench measures the guess
where the truth is known and what it does to the checklist, reading only the tune half:

- **JDDC 2019 roles**: the 2019 chat sample records who sent each message (``waiter_send``); its
  messages, cut at commas like 2018 contexts, are guessed by the voice patterns alone (no answers
  file): accuracy, agent recall and precision, beside the markers this file had before (``BEFORE``);
  and for each pattern, how many of the messages it matches its own side wrote;
- **JDDC 2018 context ends**: how many contexts end with the agent's lines by the shipped rule;
- **checklist**: micro precision / recall on the tune half of ``tests/data/jddc_labeled.jsonl``
  (JDDC 2018 replies, the blind ``cue:batch17`` apart, and JDDC 2019 replies, which carry their
  roles). The held-out half is never read.

Writes its section of docs/benchmarks.md (``<!-- bench:jddc_roles -->``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, machine, markdown_table, publish  # noqa: E402

from assistant.chat_read import _is_system, _norm, _voice, clean_chat_text, load_patterns  # noqa: E402

NAME = "jddc_roles"
CHAT_2019 = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"
DATA_2018 = SHARED / "data" / "external" / "jddc2018-baseline"
# the agent markers of chat_patterns.toml before the voice patterns (one match made a segment the agent's)
BEFORE = [
    "您",
    "亲爱的",
    "妹子",
    "小妹",
    "#E-s",
    "稍等",
    "为您",
    "给您",
    "哦~",
    "呢~",
    "哈~",
    "亲亲",
    "请问还有",
    "还请",
    "抱歉",
    "这边",
    "耐心等待",
    "这款商品",
]


def segments_2019(patterns) -> list[tuple[str, str]]:
    """(true role, segment) for every spoken comma-separated piece of the 2019 sample's messages."""
    out = []
    for line in CHAT_2019.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t", 6)
        if len(fields) < 7:
            continue
        role = "agent" if fields[2].strip() == "1" else "buyer"
        for piece in fields[6].split(","):
            piece = piece.strip()
            if piece and not _is_system(piece, patterns) and clean_chat_text(piece, patterns):
                out.append((role, piece))
    return out


def scores(rows, guess) -> list[object]:
    counts = Counter((role, guess(text)) for role, text in rows)
    hit, miss = counts[("agent", True)], counts[("agent", False)]
    wrong, right = counts[("buyer", True)], counts[("buyer", False)]
    return [
        (hit + right) / len(rows),
        hit / max(1, hit + miss),
        hit / max(1, hit + wrong),
        wrong,
        miss,
    ]


def context_ends(patterns) -> tuple[int, int, int]:
    """JDDC 2018 train contexts: all, those whose last spoken segment the answers file has and reads
    as the agent's, and those whose last one reads so by ``last_turn_voice`` patterns or more."""
    questions = (DATA_2018 / "trainQuestions.txt").read_text(encoding="utf-8").splitlines()
    answers = (DATA_2018 / "trainAnswers.txt").read_text(encoding="utf-8").splitlines()
    known = {s for s in (_norm(seg) for line in answers for seg in line.split(",")) if len(s) >= 5}
    total = known_end = strong_end = 0
    for question in questions:
        spoken = [
            s.strip()
            for s in question.split(",")
            if s.strip() and not _is_system(s.strip(), patterns) and clean_chat_text(s.strip(), patterns)
        ]
        if len(spoken) < 2:
            continue
        total += 1
        last = spoken[-1]
        known_end += _norm(last) in known and patterns.agent_voiced(last)
        strong_end += _voice(patterns, last) >= patterns.last_turn_voice
    return total, known_end, strong_end


def checklist_rows() -> list[list[object]]:
    from checklist_quality import tally
    from jddc_labeled import load_items

    from assistant.checklist import check, load_checklist

    rules = load_checklist(ROOT / "corpus" / "checklist.toml")
    items = load_items(split="tune")
    if any(item.split != "tune" for item in items):
        raise SystemExit("refusing: a held-out item reached the roles bench")
    slices = {
        "JDDC 2018, batches before cue:batch17": lambda i: "2018" in i.file and i.source != "cue:batch17",
        "JDDC 2018, cue:batch17 (blind, 45)": lambda i: i.source == "cue:batch17",
        "JDDC 2019 (roles recorded)": lambda i: "2019" in i.file,
    }
    out = []
    for name, chosen in slices.items():
        judged = []
        for item in items:
            if chosen(item):
                row = item.row
                got = set(check(row.reply, row.message, list(row.history), rules=rules, fix=False).rules)
                judged.append((item.line, row.reply, set(item.expected), got))
        s = tally(judged)
        tp, fp, fn = sum(s.tp.values()), sum(s.fp.values()), sum(s.fn.values())
        out.append([name, len(judged), s.precision, s.recall, tp, fp, fn])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    patterns = load_patterns()
    rows = segments_2019(patterns)
    before = re.compile("|".join(re.escape(m) for m in BEFORE), re.IGNORECASE)
    guess_rows = [
        ["markers before (one match: the agent's)", *scores(rows, lambda t: bool(before.search(t)))],
        ["agent_voice against buyer_voice (shipped)", *scores(rows, patterns.agent_voiced)],
    ]
    sides = []
    for side, found in (("agent", patterns.agent_voice), ("buyer", patterns.buyer_voice)):
        for rx in found:
            matched = [role for role, text in rows if rx.search(text)]
            own = sum(1 for role in matched if role == side)
            sides.append([f"`{rx.pattern}`", side, len(matched), own / len(matched) if matched else "–"])
    total, known_end, strong_end = context_ends(patterns)
    body = (
        "## Who spoke a JDDC 2018 context segment (`bench/jddc_roles.py`)\n\n"
        f"The speaker guess of `[jddc2018]` in `assistant/chat_patterns.toml`, tried on the {len(rows):,} "
        "comma-cut pieces of the JDDC 2019 chat sample, whose roles are recorded (the voice patterns alone, "
        "no answers file; 2019 buyers include merchants, so this is a check, not 2018 itself):\n\n"
        + markdown_table(
            [
                "guess",
                "accuracy",
                "agent recall",
                "agent precision",
                "buyer read as agent",
                "agent read as buyer",
            ],
            guess_rows,
        )
        + "\n\nEach pattern: pieces it matches, and the share its own side wrote (`#E-s` is a 2018 emoji code "
        "and never occurs in 2019):\n\n"
        + markdown_table(["pattern", "side", "matches", "own side"], sides)
        + f"\n\nJDDC 2018 train contexts of two spoken segments or more: {total:,}; the last segment is read as "
        f"the agent's (the reply then begins there) in {known_end:,} (a line of the answers file that reads as "
        f"the agent's) and {strong_end:,} (at least `last_turn_voice` = {patterns.last_turn_voice} more agent "
        "than buyer patterns), overlapping.\n\n"
        "Checklist, tune half of `tests/data/jddc_labeled.jsonl` (the held-out half is not read), micro over "
        "all rules with today's rules and reader:\n\n"
        + markdown_table(
            ["replies", "n", "precision", "recall", "right", "false", "missed"], checklist_rows()
        )
        + "\n\nBefore the voice patterns (the markers above, the last segment always the buyer's) the same "
        "slices scored 0.883 / 0.916 (39 false alarms), 0.514 / 0.783 (cue:batch17 at first sight: 18 right, "
        "17 false, 5 missed) and 0.929 / 0.923.\n\n"
        f"{machine()}.\n"
    )
    publish(NAME, body, write=not args.no_write)


if __name__ == "__main__":
    main()
