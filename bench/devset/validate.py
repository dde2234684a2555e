"""Validate bench/devset/*.jsonl (schema, labels, internal consistency)."""

import collections
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
# an agent turn that only holds (我帮您查一下 / 稍等) leaves the buyer's question pending
HOLDING = re.compile(r"^客服: (亲 ?)?(我)?(帮您|给您)?(查|看|核实|问)一?下|^客服: (亲 ?)?稍等")
SCEN = [
    "greeting",
    "stock",
    "quality_question",
    "size_advice",
    "recommendation",
    "bargaining",
    "price_objection",
    "hesitation",
    "free_shipping",
    "promotion",
    "payment",
    "order_placed",
    "change_address",
    "shipping_time",
    "courier",
    "invoice",
    "logistics_tracking",
    "delay_complaint",
    "return_exchange",
    "refund",
    "quality_complaint",
    "service_complaint",
    "usage_question",
    "review",
    "farewell",
    "non_buyer",
]
CATS = ["apparel", "shoes", "food", "beauty", "kitchen", "home", "electronics", "baby", "pets", "sports"]
STAGES = {"pre_sale", "in_sale", "after_sale"}
OSTAGES = {"browsing", "ordered", "paid", "shipped", "delivered", "after_sale"}
KEYS = [
    "id",
    "category",
    "item",
    "history",
    "message",
    "scenario",
    "stage",
    "order_stage",
    "pending_question",
    "intent",
    "must_include",
    "must_not_include",
    "needs_lookup",
    "escalate",
]
SORRY = {"抱歉", "不好意思", "对不起"}

errors, warns = [], []


def err(i, m):
    errors.append(f"{i}: {m}")


def warn(i, m):
    warns.append(f"{i}: {m}")


ids = set()
scen = collections.Counter()
cats = collections.Counter()
esc = 0
for fn, kind, n in [("conversations.jsonl", "c", 675), ("singles.jsonl", "s", 297)]:
    lines = (HERE / fn).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    if len(rows) != n:
        err(fn, f"expected {n} rows, got {len(rows)}")
    for r in rows:
        i = r.get("id")
        if list(r.keys()) != KEYS:
            err(i, f"keys {list(r.keys())}")
        if i in ids:
            err(i, "duplicate id")
        ids.add(i)
        if not re.fullmatch(rf"d-{kind}-({'|'.join(CATS)})-\d{{3}}", i or ""):
            err(i, "bad id")
        if r["category"] not in CATS or r["category"] not in i:
            err(i, "bad category")
        if r["scenario"] not in SCEN:
            err(i, f"bad scenario {r['scenario']}")
        if r["stage"] not in STAGES:
            err(i, "bad stage")
        if r["order_stage"] not in OSTAGES:
            err(i, "bad order_stage")
        h = r["history"]
        if kind == "s" and h:
            err(i, "single with history")
        if kind == "c" and not h:
            err(i, "conversation without history")
        for t in h:
            if not (t.startswith("买家: ") or t.startswith("客服: ")):
                err(i, f"bad history prefix {t!r}")
        if not isinstance(r["message"], str) or not r["message"].strip():
            err(i, "empty message")
        pq = r["pending_question"]
        if pq is not None:
            if ("买家: " + pq) not in h:
                err(i, "pending_question not verbatim in history")
            elif h[-1] != "买家: " + pq and not all(
                t.startswith("买家: ") or HOLDING.search(t) and len(t) < 20
                for t in h[h.index("买家: " + pq) :]
            ):
                err(i, "pending_question was answered")
        if not isinstance(r["needs_lookup"], bool) or not isinstance(r["escalate"], bool):
            err(i, "bool fields")
        mi, mn = r["must_include"], r["must_not_include"]
        if not isinstance(mi, list) or any(
            not isinstance(g, list) or not g or not all(isinstance(a, str) and a for a in g) for g in mi
        ):
            err(i, "must_include shape")
        if not (2 <= len(mn) <= 6):
            err(i, f"must_not_include has {len(mn)} strings")
        text = " ".join(h) + " " + r["message"] + " " + (r["item"] or "") + " " + (pq or "")
        for g in mi:
            if set(g) & SORRY:
                continue
            if not any(a.lower() in text.lower() for a in g):
                warn(i, f"must_include group {g} not grounded in the chat")
            for a in g:
                for b in mn:
                    if b in a:
                        err(i, f"include {a!r} conflicts with exclude {b!r}")
        if kind == "s" and "欢迎光临" in mn:
            err(i, "greeting banned in a first message")
        scen[r["scenario"]] += 1
        cats[r["category"]] += 1
        esc += r["escalate"]

missing = [s for s in SCEN if not scen[s]]
if missing:
    err("all", f"scenarios missing: {missing}")
print("rows:", len(ids), "escalate:", esc)
print("scenarios:", dict(scen))
for w in warns:
    print("WARN", w)
for e in errors:
    print("ERROR", e)
sys.exit(1 if errors else 0)
