"""The checklist's safe fixes: the edits a rule's ``fix`` makes, applied one rule at a time and kept
only when the fixed reply breaks nothing new and passes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .checklist_rules import BLOCKING, Fix, Rule, RuleSet, Violation


def _edits_for(rule: Rule, violations: list[Violation], reply: str, ctx_text: str) -> list[Fix]:
    spec = rule.fix
    if spec is None:
        return []
    if spec.kind == "reply":
        return [Fix(rule.id, 0, len(reply), reply, spec.text)]
    if spec.kind == "prepend":
        at = 0
        if spec.after is not None:
            m = spec.after.match(ctx_text)
            if m:
                at = m.end()
        return [Fix(rule.id, at, at, "", spec.text)]
    edits = []
    for v in violations:
        if v.rule != rule.id or v.end <= v.start:
            continue
        after = spec.text if spec.kind == "replace" else v.text[0]
        if after != v.text:
            edits.append(Fix(rule.id, v.start, v.end, v.text, after))
    return edits


def _apply(reply: str, edits: Sequence[Fix]) -> str:
    out = reply
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: edit.start] + edit.after + out[edit.end :]
    return out


def _overlap(edits: Sequence[Fix]) -> bool:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end or (a.start == a.end == b.start == b.end):
            return True
    return False


def _fix(
    reply: str,
    masked: str,
    rules: RuleSet,
    violations: list[Violation],
    evaluate: Callable[[str], list[Violation]],
) -> tuple[str | None, list[Fix], list[str]]:
    """Apply the safe fixes one rule at a time, keeping a rule's fixes only when the result no
    longer breaks that rule (nor any rule fixed before it) and breaks no rule the reply did not
    break already. So a fix can never introduce a violation. The fixed reply is offered only when
    it passes; otherwise ``(None, [], rules whose fix was withheld)``: an apology in front of rude
    text, or 您 in a reply that stays rude, is no fix, the reply needs rewriting. ``evaluate``
    judges a candidate reply with the same buyer side (the matcher passes it in)."""
    broken = {v.rule for v in violations}
    fixable = [r for r in rules.rules if r.fix is not None and r.id in broken]
    if not fixable:
        return None, [], []
    # whole-reply fixes first: when one holds, the other edits are moot
    fixable.sort(key=lambda r: r.fix.kind != "reply")
    accepted: list[Fix] = []
    done: set[str] = set()
    after: list[Violation] = violations
    for rule in fixable:
        edits = _edits_for(rule, violations, reply, masked)
        trial = accepted + edits
        if not edits or _overlap(trial):
            continue
        candidate = _apply(reply, trial)
        found = evaluate(candidate)
        rules_after = {v.rule for v in found}
        if rule.id in rules_after or rules_after & done or not rules_after <= broken:
            continue
        accepted = trial
        done.add(rule.id)
        after = found
    if not accepted:
        return None, [], []
    if any(v.severity in BLOCKING for v in after):
        return None, [], sorted(done, key=[r.id for r in rules.rules].index)
    return _apply(reply, accepted), sorted(accepted, key=lambda e: e.start), []
