"""Top suggestions that state a shop fact nobody asked about (issue 12, judges' "unstated fact").

A blind judge sees the chat and the suggestions, not the shop profile: a shop fact the buyer did not
ask about (a 48-hour dispatch promise in an order confirmation, a coupon in a refund, the shop's name
in a greeting) reads as invented. This counts, over the results ``heldout_eval.py --results DIR``
wrote, the top replies carrying a value of ``corpus/shop.toml`` that the chat never said, on a topic
that neither the buyer's message, the pending question nor the row's scenario asks about.

The topic words below are this measure's own (deliberately not the assistant's intents), so the count
does not agree with the assistant by construction; read the listed replies, not only the count.

    python bench/unasked_facts.py RESULTS_DIR SET_DIR [--list]
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# topic → words of a buyer asking about it
TOPICS = {
    "shop": r"店|哪家|旗舰|官方",
    "courier": r"快递|顺丰|中通|圆通|韵达|申通|邮政|EMS|ems|极兔|京东|德邦|哪家|发什么",
    "dispatch": r"发货|发出|寄出|出库|发了|能发|发吗|几天发|发走|什么时候|啥时候|多久|几天|哪天|几号|急|赶|来得及|到",
    "delivery": r"到|几天|多久|什么时候|啥时候|送达|收到|急|赶|哪天|几号|来得及",
    "free_shipping": r"包邮|运费|邮费|免邮|凑|满",
    "remote": r"偏远|新疆|西藏|青海|内蒙|甘肃|宁夏|海南|运费|邮费|包邮",
    "return": r"退|换|无理由|七天|7天|不合适|不喜欢|不满意|不想要",
    "freight": r"运费|邮费|谁出|谁承担|寄回|退|换",
    "refund_time": r"退款|退钱|到账|钱|多久|几天|什么时候|啥时候",
    "invoice": r"发票|开票|专票|普票|抬头|税号",
    "discount": r"优惠|活动|满减|便宜|贵|折|划算|凑|减|券|价|大促|双十一|双11|618|会员|老客|老顾客|红包",
    "gift": r"送|赠|礼|小样|试用",
    "price_protect": r"降价|保价|价保|差价|便宜了|买贵",
    "warranty": r"保修|质保|坏|修|售后|多久",
    "restock": r"补货|到货|有货|没货|缺货|断货|有吗|还有|拍不了|售罄|没了",
}
# the row's scenario asks about these topics whatever its words
SCENARIO_TOPICS = {
    "bargaining": {"discount", "gift"},
    "price_objection": {"discount"},
    "promotion": {"discount", "gift"},
    "free_shipping": {"free_shipping", "remote"},
    "shipping_time": {"dispatch", "delivery", "courier"},
    "courier": {"courier", "delivery"},
    "invoice": {"invoice"},
    "refund": {"refund_time"},
    "return_exchange": {"return", "freight"},
    "stock": {"restock"},
}
# shop slot → its topic (complaint_reply_time is a promise of the agent's, not a fact asked about;
# address_term and service_hours are not counted)
SLOT_TOPICS = {
    "shop": "shop",
    "courier": "courier",
    "couriers": "courier",
    "excluded_couriers": "courier",
    "express_courier": "courier",
    "express_surcharge": "courier",
    "dispatch_time": "dispatch",
    "cutoff_time": "dispatch",
    "delivery_time": "delivery",
    "free_shipping_threshold": "free_shipping",
    "remote_areas": "remote",
    "remote_surcharge": "remote",
    "return_days": "return",
    "exchange_days": "return",
    "return_freight_quality": "freight",
    "return_freight_no_reason": "freight",
    "freight_insurance": "freight",
    "refund_review_time": "refund_time",
    "refund_time": "refund_time",
    "refund_time_alipay": "refund_time",
    "refund_time_card": "refund_time",
    "invoice_types": "invoice",
    "invoice_time": "invoice",
    "special_invoice": "invoice",
    "promotion": "discount",
    "coupon": "discount",
    "coupon_condition": "discount",
    "promotion_stacking": "discount",
    "member_benefit": "discount",
    "gift": "gift",
    "gift_condition": "gift",
    "price_protection": "price_protect",
    "warranty": "warranty",
    "restock_notice": "restock",
}


def markers(value: str) -> list[str]:
    """The pieces of a shop value that show it in a reply (48小时内 → 48小时; 中通快递 → 中通)."""
    value = re.sub(r"(以内|之内|内)$", "", value)
    pieces = [value]
    if value.endswith("快递"):
        pieces.append(value[:-2])
    for part in re.split(r"[，,；;、和]", value):
        if len(part) >= 4 and part != value:
            pieces.append(part)
    return [p for p in dict.fromkeys(pieces) if len(p) >= 2]


def unasked(row: dict, item: dict, slots: dict[str, str]) -> list[str]:
    reply = row["reply"]
    if row.get("holding"):
        return []
    chat = " ".join(item.get("history") or []) + " " + item["message"]
    asked_text = item["message"] + " " + (item.get("pending_question") or "")
    asked = {t for t, words in TOPICS.items() if re.search(words, asked_text)}
    asked |= SCENARIO_TOPICS.get(item.get("scenario", ""), set())
    found = []
    for slot, topic in SLOT_TOPICS.items():
        value = slots.get(slot, "")
        if not value or topic in asked:
            continue
        # (99元 inside 199元, 24小时 of a battery's 一共24小时 are not the shop's value)
        shown = [m for m in markers(value) if re.search(r"(?<![\d.])" + re.escape(m), reply)]
        if shown and not any(m in chat for m in shown):
            found.append(f"{slot}:{shown[0]}")
    return found


def main() -> None:
    results, sets = Path(sys.argv[1]), Path(sys.argv[2])
    listing = "--list" in sys.argv
    shop = tomllib.loads((ROOT / "corpus" / "shop.toml").read_text(encoding="utf-8"))
    slots = dict(shop["slots"])
    slots["shop"] = shop["shop"]["name"]
    total = flagged = 0
    for name in ("singles", "conversations"):
        path = results / f"{name}.jsonl"
        if not path.exists():
            continue
        items = {}
        for line in (sets / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                items[item["id"]] = item
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            total += 1
            found = unasked(row, items[row["id"]], slots)
            if found:
                flagged += 1
                if listing:
                    print(row["id"], found, "|", items[row["id"]]["message"][:30], "|", row["reply"])
    print(f"{results}: {flagged} of {total} tops carry an unasked shop fact")


if __name__ == "__main__":
    main()
