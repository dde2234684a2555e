"""Starter packs against leaks: a kitchenware shop's buyer questions answered from (a) the starter
corpus as it was before the category packs' own files (corpus/cases/pack-*.jsonl; every pack served,
as the shipped demo shop) and (b) a shop made by `assistant init --category kitchen` (the neutral
core and the kitchen pack only).

Counted over every shown suggestion: suggestions built from a case of another category's pack
(apparel, shoes …), and suggestions whose reply uses another category's items or wording
(facts.toml [categories]); and the packs of the top-1 sources. The questions are this file's own,
written like the kitchen trainer's of issue 17; shop values stay as they are (the init shop's are
fill-ins), so the packs are what differs.

Usage: python bench/packs_leak.py   (2-3 min on two cores: both indexes start from a copy of the
checkout's data/index and data/models, so only the difference is embedded)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.facts import FactExtractor  # noqa: E402
from assistant.packs import case_packs  # noqa: E402
from assistant.shop_init import init_shop  # noqa: E402

QUESTIONS: list[tuple[str, list[str]]] = [
    ("这个锅内胆的涂层会不会掉", []),
    ("那32cm的呢", ["买家: 28cm的炒锅有货吗", "客服: 有的亲"]),
    ("空气炸锅怎么清洗", []),
    ("菜刀拆开了还能退吗", []),
    ("电水壶保修多久", []),
    ("菜刀需要自己开刃吗", []),
    ("这个锅电磁炉能用吗", []),
    ("新买的铁锅要开锅吗", []),
    ("锅收到就是凹的", []),
    ("三口人用多大的电饭煲", []),
    ("不粘锅能放洗碗机吗", []),
    ("砧板会不会发霉", []),
    ("破壁机声音太大了正常吗", []),
    ("保温杯能保温多久", []),
    ("奶锅还有白色的吗", []),
]


def run(label: str, settings: Settings) -> dict:
    assistant = Assistant(settings)
    started = time.perf_counter()
    report = assistant.build(progress=False)
    built = time.perf_counter() - started
    corpus = assistant.corpus
    extractor = FactExtractor(corpus.facts, corpus.catalog)
    by_id = {c.id: c for c in corpus.cases}
    shown = foreign_pack = foreign_words = 0
    top_packs: Counter[str] = Counter()
    examples: list[str] = []
    for message, history in QUESTIONS:
        result = assistant.suggest(message, history=history)
        for rank, suggestion in enumerate(result.suggestions):
            shown += 1
            packs = {p for sid in suggestion.sources if sid in by_id for p in case_packs(by_id[sid])}
            if rank == 0:
                top_packs.update(packs or {"(fallback)"})
            other = packs - {"core", "kitchen"}
            if other:
                foreign_pack += 1
            words = extractor.categories_in(suggestion.reply) - {"kitchen"}
            if words:
                foreign_words += 1
                examples.append(f"{message} -> {suggestion.reply[:40]} ({','.join(sorted(words))})")
    return {
        "label": label,
        "cases": len(corpus.cases),
        "build_s": round(built, 1),
        "embedded": report.added + report.updated,
        "shown": shown,
        "from_other_pack": foreign_pack,
        "other_category_wording": foreign_words,
        "top1_packs": dict(top_packs.most_common()),
        "examples": examples[:5],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        seeded = []
        for name in ("all", "kitchen"):
            data = scratch_dir / name / "data"
            data.mkdir(parents=True)
            for part in ("index", "models"):
                if (ROOT / "data" / part).is_dir():
                    shutil.copytree(ROOT / "data" / part, data / part)
            seeded.append(data)
        shop = init_shop(scratch_dir / "kitchen" / "shop", ["kitchen"], "厨具测试店")
        before = scratch_dir / "all" / "corpus"
        shutil.copytree(ROOT / "corpus", before, ignore=shutil.ignore_patterns(".*", "pack-*.jsonl"))
        rows = [
            run(
                "starter before pack files",
                Settings().replace(corpus_dir=str(before), data_dir=str(seeded[0])),
            ),
            run(
                "init --category kitchen",
                Settings().replace(corpus_dir=str(shop.corpus_dir), data_dir=str(seeded[1])),
            ),
        ]
    print(f"{len(QUESTIONS)} kitchen questions; suggestions shown in all (k=3 each)")
    print(f"{'corpus':30} {'cases':>6} {'shown':>6} {'other pack':>11} {'other wording':>14}  top-1 packs")
    for row in rows:
        print(
            f"{row['label']:30} {row['cases']:>6} {row['shown']:>6} {row['from_other_pack']:>11} "
            f"{row['other_category_wording']:>14}  {row['top1_packs']}"
        )
        for example in row["examples"]:
            print(f"    {example}")


if __name__ == "__main__":
    main()
