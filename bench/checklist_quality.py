"""Per-rule precision and recall of the etiquette checklist on the hand-made and the real labeled sets.

    python bench/checklist_quality.py [--labeled tests/data/checklist_labeled.jsonl] [--errors] [--split tune]

Two labeled sets, scored the same way (a rule counts once per reply, its ids compared as sets; false
alarms are clean replies on which any rule fires):

- the hand-made set ``tests/data/checklist_labeled.jsonl``: ``{"reply", "message"?, "scenario"?,
  "expected": [rule ids]}`` per line;
- the real JD replies of ``tests/data/jddc_labeled.jsonl`` (references into ../shared and labels,
  see bench/jddc_labeled.py), checked as ``assistant audit`` checks them: the reply with the buyer
  message and the earlier turns. Its ``holdout`` half is the number reported; the ``tune`` half
  was read while the rules were changed and is shown for comparison. Skipped when ../shared is
  missing.

Prints the tables and writes them to docs/benchmarks.md between ``<!-- bench:checklist_quality -->``
markers. ``--errors`` lists the disagreements (of the hand-made set, and of the real set's split
named by ``--split``, default tune: reading the held-out errors would tune the rules to them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.checklist import RuleSet, check, load_checklist  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit_speed import BEFORE, load_before  # noqa: E402
from common import write_section  # noqa: E402
from jddc_labeled import SHARED, load_items  # noqa: E402

LABELED = ROOT / "tests" / "data" / "checklist_labeled.jsonl"
RULES = ROOT / "corpus" / "checklist.toml"
NAME = "checklist_quality"
# issue 14's goal on the held-out real replies
GOAL_PRECISION, GOAL_RECALL, GOAL_RULE_PRECISION = 0.95, 0.92, 0.85
# Evidence from text the rules were not tuned on (recorded when it was measured).
OUT_OF_SAMPLE = """\
The rules were adjusted while this set was written, so the table above is an upper bound. Measured on
text they had not been tuned to, before it was merged or used:

- the second batch of this set (114 replies in another voice), scored first: micro precision 0.969,
  recall 0.989, false alarms 1/37 (then merged, after 3 general fixes);
- the 1,002 approved corpus replies written by the corpus team: 0 false alarms with their buyer
  message and scenario, 0 with the reply alone; with the message but no scenario (as in an audit),
  9 replies to complaint-like buyer messages (a bad past purchase elsewhere, a slow refund) get a
  complaint rule: borderline, the scenario given by their authors settles them;
- the “别这么说 / 换成这样” tables of the guidance files (another author): 16 of 17 bad examples flagged
  (the miss, 不知道, has no spec rule), 1 false alarm in 86 good examples (fixed);
- the complaint cues alone, on the 260 scenario-labelled buyer messages of `tests/data/eval_messages.jsonl`
  (another author): precision 0.78, recall 0.70 at first; 0.94 / 0.97 after generalising the cues.
"""

# The third round of issue-14 work on the real replies (what was done, and each look at the held-out half).
ROUND3 = """\
A third round grew the tune half by five more fresh batches, each drawn like the held-out half (uniform
replies, replies to buyer messages with complaint cues, replies with refusal, stock or bare-reply cues),
labeled blind and scored before any change was made for it, each with the rules as the batch before
left them: `cue:batch7` (90 replies: 0.600 / 0.700), `cue:batch8` (80: 0.458 / 0.550), `cue:batch9`
(60: 0.833 / 0.526), `cue:batch10` (50: 0.923 / 0.500) and `cue:batch11` (50: 0.545 / 0.667). After each
score, 9 labels in all were aligned with the set's earlier conventions, each with its `reason` (a
clarifying question, the courier's contact or a tracking card alone is no next step; an earlier apology
counts, even one older than the turns shown while labeling; two characters to a question of 20 or more
is disproportionate). The changes are general ones, in `corpus/checklist.toml`: a bare status (还没发货,
还没收到) counts as a complaint only when stressed (都 / 一直 / 怎么 before it, a contrast such as
但是钱还没到, already done yet not, the buyer's tone after it, a duration or a date), and a hedge
(现在应该还没发货吧), a time not yet reached, the buyer's own accident, hearsay and a hypothesis ending in
怎么办 do not; a buyer's last line saying the problem is over (收到了, 找到了) closes the complaint
before it; problems stated as structures rather than words (signed or shown delivered but not
received, across consecutive buyer turns; why-still questions with words in between; what came
instead of what was asked; said or asked N times; nobody called; something done to the buyer, 被关闭;
a function that fails, 连接不上; a rhetorical 不是预计…吗); a way forward for the buyer (您可以联系 /
协商, 询问, 为您填写) is a next step; the agent's own 担心 is no empathy; a hedged why (应该是…不支持) or
a purpose (为了…) is a refusal's reason; 申请 holds no request and 但是不是 no question. The held-out half
was scored twice in this round (its individual errors were never displayed and no held-out label was
changed): after batch9, 0.844 / 0.821; after batch11, the table below (no verdict changed). One more run before any change,
made to check that splitting the checklist module left every number as it was, reproduced the
published 0.836 / 0.821, and the checklist tests compare the held-out totals, as pass or fail only,
with the floors of `test_the_checklist_on_real_replies_does_not_regress` (0.83 / 0.82); they passed
each time. The fresh batches say what to expect on text the rules were not tuned on: complaints keep
arriving in new wordings, so recall on fresh text stays near 0.5-0.7 before a batch's own fixes."""

# The fourth round: one more fresh batch and a complaint signal by meaning, tested on the tune half only.
ROUND4 = """A fourth round labeled one more fresh batch blind, `cue:batch12` (50 replies: 25 uniform, 15 to buyer
complaint cues, 10 by reply cues), scored first sight 0.727 / 0.444 and 0.850 / 0.944 after general
fixes (not received though shown done, theirs came and mine not, a place always shut, a status that
failed, an item with a fault, 连…都没有, a machine that stops by itself; a promise to notify and 我看看
as next steps; 3 labels aligned with the set's conventions, each with its reason; no other tune verdict
changed). It also tested whether complaints recognised by meaning would generalise better than cues,
forward-chained over the fresh batches 7-12 (`bench/checklist_forward.py`, its own section below): an
embedding regression trained on the earlier labels raises first-sight recall (pooled 0.585 → 0.772)
at some precision (0.679 → 0.660); the scenario detector and written exemplars do not help; no signal
vetoes cue hits reliably. It was not adopted (precision is the goal's gap, the regression needs the
JDDC labels at run time, and encoding buyer turns would bound the audit); the held-out half was not
scored in this round."""


# The fifth round: precision on text the rules were not written on, checked batch by batch.
ROUND5 = """A fifth round aimed at precision on text the rules were not written on. The rules' own forward chain
over the fresh batches (each scored with the rules as committed before it, `bench/checklist_forward.py`)
showed these alarms to be the ones most often wrong at first sight (right / all alarms over batches
7-16: `complaint.no_action` 0.46, `refusal.blunt` 0.57, `complaint.no_apology` 0.67): next steps and reasons in
forms the lists lacked, and buyer words near a complaint cue that are questions or the buyer's own
situation. Four more batches were labeled blind before the rules were run on them: `cue:batch13` (50
JDDC 2019 replies drawn like the held-out half; first sight 1.000 / 0.714, no false alarm on its 45
clean replies) and three drawn where the weak rules fire, to measure their precision: `cue:batch14` (40:
0.640 / 0.914), `cue:batch15` (38: 0.620 / 0.969) and `cue:batch16` (40, JDDC 2018: 0.589 / 0.846).
After each score, general fixes in `corpus/checklist.toml` (a resolution stated, a cost taken off the
buyer, a suggestion other than waiting, a review in hand and a return address as next steps; how to get
a fault repaired or what it costs, a tag question, the buyer's own phone or mistake, a price that
became an amount, a deduction asked about as no complaint; a condition, a consequence, 不可能, the
order's stage, a kind of goods, a step the buyer must take first as no blunt refusal), each checked to
lose no right alarm on the tune half. The forward check is sobering: the fixes made after batches 14
and 15 changed no verdict on the batch after them (batch 15 and 16 score the same with the session's
starting rules as with the rules of their day), so precision on unseen alarm-dense text stays near 0.6
and each batch brings wordings of its own. The tune half's first 1,258 replies moved from 0.908 / 0.921
to 0.932 / 0.921, all 1,426 from 0.839 / 0.914 to 0.904 / 0.919. One structural cause was measured and
left to the owners of the chat readers: JDDC 2018 contexts do not say who spoke, and agent lines guessed
to be the buyer's (亲收到之后…可以换货的哦) raise complaint alarms; JDDC 2018 replies score 0.883 precision
on the tune half against 0.929 for JDDC 2019. The held-out half was not scored while these changes were made."""

# The sixth round: one more batch drawn like the held-out half, and the forward chain over 7-18.
ROUND6 = """A sixth round labeled one more fresh batch blind, `cue:batch18` (80 JDDC 2019 replies drawn like the
held-out half's JDDC 2019 part: 56 uniform, 8 whose buyer turns carry a complaint cue, 16 by reply
cues, from chats with no held-out reply). First sight 0.909 / 0.500 (as labeled blind 1.000 / 0.500; 2
labels were then aligned with the set's conventions, each with its reason: a no to what the product or
the buyer can do is an answer, not a refusal): precise, but `complaint.no_apology` found 1 of 9
complaints. The forward chain over batches 7-18 (each with the rules committed before it) pools
0.666 / 0.720 at first sight, and says which alarms are most often wrong there: `complaint.no_action`
34/75 right, `refusal.blunt` 22/38, `complaint.no_apology` 94/137. General fixes (structures, not one
batch's words): complaints told as what should have happened (本来应该…送到, a promise recalled with
its time), why it must wait until, an operation that failed or that the system refuses, only part
arrived with a count, a machine that goes black by itself, still sent to the buyer, what the buyer did
already insisted on with !, a party contacted that did not answer, a rhetorical 不都是…!; a menu topic
label (少件咨询) is no complaint; the agent's step addressed to 你 or 亲, telling a party (告知站点), what
the agent needs to act asked for alone (手机号码) and another way that works as well are next steps; a
statement after a refusal is its reason. Each was checked to lose no right alarm on the tune half
(1,551 replies: 0.904 / 0.900 -> 0.917 / 0.915 with today's labels); today's rules on batches 7-18
0.829 / 0.832 -> 0.854 / 0.860. A second engineer of the same round labeled `cue:batch19` blind (80
replies in the held-out half's proportions: 51 JDDC 2019, 29 JDDC 2018; first sight 0.800 / 0.615,
`complaint.no_apology` 0 of 4 complaints found), then made `refusal.blunt` read the buyer message it
answers (`unless_message`: a no to a question about what the product or the system can do is an
answer, a request worded as a question still is one) and added complaint structures from batches 5-19
(让我自己去取, 问过两次, 为啥就是不处理, 突然涨价, 算了算了, 不让看货). Tune half (1,631 replies) 0.915 /
0.909 -> 0.922 / 0.929, `refusal.blunt` false alarms 4 -> 0; batches 7-19 with today's rules 0.852 /
0.849 -> 0.870 / 0.890. The held-out half was scored once, after both engineers had finished: 0.876 /
0.821 again, the same 92 right alarms, 13 false and 20 missed as at the start of the round. A fourth
round of blind-batch fixes that moves the tune half and the forward chain leaves the held-out half
where it was: its misses and false alarms are of kinds that none of batches 7-19 taught."""


@dataclass(frozen=True)
class Scores:
    """Micro and per-rule scores of the checklist on a labeled set."""

    rows: int
    clean: int
    false_alarms: int
    tp: Counter
    fp: Counter
    fn: Counter
    errors: tuple[tuple[int, str, set, set], ...]  # (line, reply, expected, got) where they differ

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def precision(self) -> float:
        return self.ratio(sum(self.tp.values()), sum(self.tp.values()) + sum(self.fp.values()))

    @property
    def recall(self) -> float:
        return self.ratio(sum(self.tp.values()), sum(self.tp.values()) + sum(self.fn.values()))

    @property
    def false_alarm_rate(self) -> float:
        return self.ratio(self.false_alarms, self.clean) if self.clean else 0.0


def read_labeled(path: Path) -> list[tuple[int, dict]]:
    """The labeled rows with their line numbers."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip():
            rows.append((number, json.loads(line)))
    return rows


def score(rules: RuleSet, rows: list[tuple[int, dict]]) -> Scores:
    """Compare the rules that fire with the expected ones, row by row (the hand-made set)."""
    judged = []
    for number, row in rows:
        got = set(check(row["reply"], row.get("message"), rules=rules, scenario=row.get("scenario")).rules)
        judged.append((number, row["reply"], set(row["expected"]), got))
    return tally(judged)


def score_real(rules: RuleSet, items) -> Scores:
    """The same for the real labeled replies (``jddc_labeled.Item``), each checked with its buyer
    message and earlier turns as the audit does."""
    judged = []
    for item in items:
        row = item.row
        got = set(check(row.reply, row.message, list(row.history), rules=rules, scenario=row.scenario).rules)
        judged.append((f"{item.file}:{item.line}", row.reply, set(item.expected), got))
    return tally(judged)


def tally(judged) -> Scores:
    """Scores from ``(where, reply, expected rule ids, rule ids that fired)`` rows."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    clean = false_alarms = 0
    errors = []
    for number, reply, expected, got in judged:
        for rule in got & expected:
            tp[rule] += 1
        for rule in got - expected:
            fp[rule] += 1
        for rule in expected - got:
            fn[rule] += 1
        if not expected:
            clean += 1
            false_alarms += bool(got)
        if got != expected:
            errors.append((number, reply, expected, got))
    return Scores(len(judged), clean, false_alarms, tp, fp, fn, tuple(errors))


def goal(scores: Scores) -> tuple[bool, list[str]]:
    """Whether the scores meet issue 14's goal, and the rules below the per-rule precision bar."""
    weak = [
        rule
        for rule in set(scores.tp) | set(scores.fp)
        if Scores.ratio(scores.tp[rule], scores.tp[rule] + scores.fp[rule]) < GOAL_RULE_PRECISION
    ]
    met = scores.precision >= GOAL_PRECISION and scores.recall >= GOAL_RECALL and not weak
    return met, sorted(weak)


def summary_line(scores: Scores) -> str:
    return (
        f"{scores.rows} labeled replies ({scores.clean} clean); micro precision {scores.precision:.3f}, "
        f"recall {scores.recall:.3f}; false alarms on clean replies {scores.false_alarms}/{scores.clean} "
        f"= {scores.false_alarm_rate:.1%}"
    )


def table(rules: RuleSet, scores: Scores) -> str:
    """The per-rule table as Markdown."""
    lines = [
        "| rule | severity | positives | TP | FP | FN | precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rule in rules.rules:
        tp, fp, fn = scores.tp[rule.id], scores.fp[rule.id], scores.fn[rule.id]
        precision = f"{Scores.ratio(tp, tp + fp):.2f}" if tp + fp else "–"
        recall = f"{Scores.ratio(tp, tp + fn):.2f}" if tp + fn else "–"
        lines.append(
            f"| `{rule.id}` | {rule.severity} | {tp + fn} | {tp} | {fp} | {fn} | {precision} | {recall} |"
        )
    tp, fp, fn = (sum(c.values()) for c in (scores.tp, scores.fp, scores.fn))
    lines.append(
        f"| **micro** | | {tp + fn} | {tp} | {fp} | {fn} | **{scores.precision:.3f}** | **{scores.recall:.3f}** |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labeled", type=Path, default=LABELED)
    parser.add_argument("--rules", type=Path, default=RULES)
    parser.add_argument("--errors", action="store_true", help="List every reply where the rules disagree.")
    parser.add_argument(
        "--split", choices=("tune", "holdout"), default="tune", help="Which real split --errors lists."
    )
    parser.add_argument("--no-write", action="store_true", help="Do not update docs/benchmarks.md.")
    args = parser.parse_args()

    rules = load_checklist(args.rules)
    rows = read_labeled(args.labeled)
    scores = score(rules, rows)
    md = table(rules, scores)
    summary = summary_line(scores)
    print(md)
    print()
    print(summary)
    if args.errors:
        for number, reply, expected, got in scores.errors:
            print(
                f"{args.labeled.name}:{number}: {reply[:60]!r} expected {sorted(expected)} got {sorted(got)}"
            )

    real_md = ""
    if (SHARED / "data" / "external").exists():
        real = {split: score_real(rules, load_items(split=split)) for split in ("holdout", "tune")}
        before_line = ""
        old = load_before()
        if old is not None:
            old_check, old_rules = old
            was = {}
            for split in ("holdout", "tune"):
                judged = []
                for item in load_items(split=split):
                    row = item.row
                    got = set(old_check(row.reply, row.message, list(row.history), rules=old_rules).rules)
                    judged.append((item.line, row.reply, set(item.expected), got))
                was[split] = tally(judged)
            before_line = (
                f"Before issue 14 (the checklist code and rules as committed at `{BEFORE}`, loaded from git), the "
                f"same halves scored: held-out micro precision {was['holdout'].precision:.3f}, recall "
                f"{was['holdout'].recall:.3f}; tune precision {was['tune'].precision:.3f}, recall "
                f"{was['tune'].recall:.3f}."
            )
            print(before_line)
        met, weak = goal(real["holdout"])
        verdict = (
            f"goal on the held-out half (micro precision ≥ {GOAL_PRECISION}, recall ≥ {GOAL_RECALL}, no rule "
            f"below {GOAL_RULE_PRECISION} precision): {'met' if met else 'NOT met'}"
            + (f" (below: {', '.join(weak)})" if weak else "")
        )
        for split in ("holdout", "tune"):
            print(f"\nReal JD replies, {split} half:\n")
            print(table(rules, real[split]))
            print()
            print(summary_line(real[split]))
        print(verdict)
        if args.errors:
            for where, reply, expected, got in real[args.split].errors:
                print(f"{where}: {reply[:60]!r} expected {sorted(expected)} got {sorted(got)}")
        real_md = (
            "### Real JD replies (`tests/data/jddc_labeled.jsonl`)\n\n"
            f"{real['holdout'].rows + real['tune'].rows} agent replies from the JDDC 2019 chat sample and the JDDC "
            "2018 train pairs (../shared; the file stores line references and labels only), judged by hand "
            "against `../shared/spec/etiquette-rules.md`: a uniform sample (seed 14) plus replies and buyer "
            "messages drawn by cue words so every rule the data has has positives (how: bench/jddc_labeled.py). "
            "Each reply is checked as `assistant audit` checks it, with its buyer message and earlier turns. "
            "Split in two halves by a seeded shuffle within each source. The **tune** half was read while the "
            "rules were changed for issue 14, and grew by two fresh batches of 80 and 60 replies (`cue:batch2`, "
            "`cue:batch3`: replies the rules flagged as answering a complaint and replies to buyer messages with "
            "negative cues, drawn after the rules had been written, to measure and fix how they generalise). "
            "The **held-out** half's individual errors were never displayed. Before its first scoring, 3 of its "
            "labels were aligned with the hand-made set (必须 + an action the buyer must take is a command) and "
            "with the issue's examples (a 麻烦 hassle is a complaint). Its totals were then computed three times: "
            "first 0.805 precision; then, after its labels were re-read once (without the checklist's output) "
            "for the rule adopted on the tune half that the reply answers a complaint made in the buyer's turns "
            "since the agent last wrote, or before the order number the agent asked for (5 labels changed), "
            "0.830 / 0.830; unchanged after the fixes from the fresh batches. A second round of work grew "
            "the tune half by three more fresh batches, each labeled blind (before the checklist's output "
            "was shown) and scored before any change was made for it: `cue:batch4` (137 replies, half of "
            "them flagged as answering a complaint: 0.648 / 0.708), `cue:batch5` (105, the same mix: 0.643 "
            "/ 0.837) and `cue:batch6` (115, drawn like the held-out half: 60 uniform, 30 by the buyer "
            "complaint cue, 25 by reply cues: 0.683 / 0.683). The fixes they led to (an agent's hold message "
            "does not end the buyer's turn, problems stated as facts, next steps and honest answers as agents "
            "write them) moved the held-out half to 0.836 / 0.821 at the second look and left it there at the "
            "third and last look of that round. 4 earlier tune labels were corrected, each with a one-line `reason` "
            "(an earlier apology counts, as `unless_history` has it; 正在为您查询 is a next step; a delay "
            "complaint answered without apology); no held-out label was changed. What these batches show: "
            "complaint cues generalise poorly to text they were not written on, and whether a short status "
            "(还没收到, 还没有发货) is a complaint is often a judgement call. Rules with no positive "
            "in the data (slang, blame, impatience, absolute claims, privacy: JD agents do not write them) "
            "have no recall here; the "
            "hand-made set above covers them.\n\n"
            f"{ROUND3}\n\n{ROUND4}\n\n{ROUND5}\n\n{ROUND6}\n\n"
            f"**Held-out half** ({summary_line(real['holdout'])}):\n\n{table(rules, real['holdout'])}\n\n"
            f"{verdict}\n\n"
            f"Tune half, for comparison ({summary_line(real['tune'])}):\n\n{table(rules, real['tune'])}\n\n"
            f"{before_line}\n"
        )
    else:
        print(f"\n(no {SHARED / 'data' / 'external'}: the real labeled set is not scored)")

    if not args.no_write:
        try:
            shown = args.labeled.resolve().relative_to(ROOT)
        except ValueError:
            shown = args.labeled
        body = (
            "## Checklist quality (`bench/checklist_quality.py`)\n\n"
            f"### Hand-made set (`{shown}`)\n\n"
            "Written by the checklist's author. A rule counts once per reply; false alarms are clean replies on "
            "which any rule fires.\n\n"
            f"{md}\n\n{summary}\n\n{OUT_OF_SAMPLE}\n{real_md}"
        )
        write_section(NAME, body)


if __name__ == "__main__":
    main()
