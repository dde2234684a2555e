"""Index build throughput: embed and index synthetic case texts, then update them incrementally.

    python bench/build_speed.py [--cases 10000] [--types flat,hnsw] [--no-write]

Generates ``--cases`` buyer messages (templates over products, sizes, colours, couriers, numbers)
and times ``index.build_index`` into a temporary directory: a full build (embedding + adding +
saving), a no-op sync, an update where 1% of the cases changed and 1% are new, and opening the
saved index. Embedding goes through ``embedding.encode_texts`` (the batch path). Prints a table
and writes it to docs/benchmarks.md between ``<!-- bench:build_speed -->`` markers.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import machine, publish  # noqa: E402

from assistant.config import INDEX_TYPES, Settings  # noqa: E402
from assistant.embedding import encode_texts, encoder_info, load_encoder  # noqa: E402
from assistant.index import CaseIndex, build_index, index_lock  # noqa: E402

NAME = "build_speed"

PRODUCTS = [
    "纯棉T恤",
    "牛仔裤",
    "连衣裙",
    "羽绒服",
    "运动鞋",
    "卫衣",
    "保温杯",
    "蓝牙耳机",
    "四件套",
    "防晒霜",
]
TEMPLATES = [
    "亲，这款{p}有{s}吗？",
    "{p}{c}的还有货吗",
    "我身高{h}体重{w}斤，{p}穿什么码",
    "这个{p}会不会起球，洗了缩水吗",
    "能便宜点吗？{n}块行不行",
    "什么时候发货呀，发{k}吗",
    "快递到哪了，都{d}天了还没到",
    "我买的{p}尺码不对，能换{s}吗",
    "收到的{p}有个洞，怎么处理",
    "退款{n}元什么时候到账",
    "满{n}减多少？有优惠券吗",
    "地址填错了，改成{city}可以吗",
    "{p}和{q}哪个好，送人用",
    "拍了，备注要{c}的，{d}号前能到吗",
]


def case_texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    cities = ["北京朝阳区", "上海浦东", "广州天河", "成都高新区", "杭州西湖区"]
    return [
        rng.choice(TEMPLATES).format(
            p=rng.choice(PRODUCTS),
            q=rng.choice(PRODUCTS),
            s=rng.choice(["S码", "M码", "L码", "XL", "均码"]),
            c=rng.choice(["白色", "黑色", "藏青", "卡其"]),
            k=rng.choice(["顺丰", "中通", "圆通", "韵达"]),
            h=rng.randint(150, 190),
            w=rng.randint(80, 200),
            n=rng.randint(5, 999),
            d=rng.randint(2, 15),
            city=rng.choice(cities),
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="synthetic cases (default 10,000)")
    parser.add_argument(
        "--types", default="flat,hnsw", help="comma-separated index types (default flat,hnsw)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.types.split(",") if k.strip()]
    if set(kinds) - set(INDEX_TYPES):
        parser.error(f"unknown index types: {', '.join(sorted(set(kinds) - set(INDEX_TYPES)))}")

    base = Settings.load()
    model = load_encoder(base)
    info = encoder_info(model)
    texts = case_texts(args.cases)
    items = [(f"case-{i:06d}", f"fp-{i}", text) for i, text in enumerate(texts)]
    embed_seconds: list[float] = []

    def encode(batch: list[str]):
        started = time.perf_counter()
        vectors = encode_texts(model, batch, progress=False)
        embed_seconds.append(time.perf_counter() - started)
        return vectors

    rows = []
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            settings = base.replace(index_dir=Path(tmp) / "index", index_type=kind)

            def sync(rows_, settings=settings, **kw):
                embed_seconds.clear()
                with index_lock(settings.resolved_index_dir):
                    _, report = build_index(
                        settings.resolved_index_dir,
                        rows_,
                        encode,
                        model_id=info.model_id,
                        dimension=info.dimension,
                        settings=settings,
                        **kw,
                    )
                return report, sum(embed_seconds)

            print(f"{kind}: full build of {len(items):,} cases ...", file=sys.stderr)
            full, full_embed = sync(items)
            noop, _ = sync(items)
            step = max(1, len(items) // 100)
            changed = [
                (cid, fp + "-edited", text + "，急") if i % 100 == 0 else (cid, fp, text)
                for i, (cid, fp, text) in enumerate(items)
            ]
            changed += [
                (f"new-{i:06d}", f"fp-new-{i}", f"新问题 {text}") for i, text in enumerate(texts[:step])
            ]
            update, update_embed = sync(changed)
            started = time.perf_counter()
            CaseIndex.open(settings.resolved_index_dir, model_id=info.model_id, dimension=info.dimension)
            open_seconds = time.perf_counter() - started
            rows.append((kind, full, full_embed, noop, update, update_embed, open_seconds))

    lines = [
        "## Index build throughput (bench/build_speed.py)",
        "",
        f"{machine()}; model `{info.model_id}`, batch path (`encode_texts`, {info.threads_batch} threads); "
        f"{args.cases:,} synthetic buyer messages (median {sorted(map(len, texts))[len(texts) // 2]} "
        "characters). Full build = embed + add + save; the update changes 1% of the cases and adds 1%.",
        "",
        "| index | full build s | cases/s | of which embedding s | no-op sync s | update s (embedding s) | open s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {kind} | {full.seconds:.1f} | {full.added / full.seconds:,.0f} | {full_embed:.1f} | "
            f"{noop.seconds:.2f} | {update.seconds:.2f} ({update_embed:.2f}; +{update.added} "
            f"~{update.updated}) | {open_s:.2f} |"
            for kind, full, full_embed, noop, update, update_embed, open_s in rows
        ),
    ]
    body = "\n".join(lines)
    publish(NAME, body, write=not args.no_write)


if __name__ == "__main__":
    main()
