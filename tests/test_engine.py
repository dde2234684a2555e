"""The engine swap: a trainer's change is picked up by a new engine built beside the one in use and
swapped in whole; agents' suggestions never wait for the rebuild (README, Console)."""

from __future__ import annotations

import shutil
import threading

import pytest

from assistant.config import PROJECT_ROOT
from assistant.core import Assistant
from assistant.embedding import ensure_usem3_model

SCENARIOS = ("greeting", "refund", "invoice", "stock")
GUIDANCE = "guidance/after-sale.md"
OLD_TITLE = "## 退款流程与到账时间 {#refund-timing}"
NEW_TITLE = "## 退款到账时间（新） {#refund-timing}"
PROBE = "退款什么时候到账"
DEADLOCK_S = 120  # a guard against a hang, not a timing: a suggestion that waits fails long before


@pytest.fixture
def served(tmp_path, settings_tmp, encoder) -> Assistant:
    """An assistant over a small copy of the shipped corpus, built and answering."""
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".*", "cases"))
    (corpus / "cases").mkdir()
    lines = []
    for scenario in SCENARIOS:
        source = PROJECT_ROOT / "corpus" / "cases" / f"{scenario}.jsonl"
        lines += [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][:5]
    (corpus / "cases" / "starter.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(ensure_usem3_model(settings_tmp.models_dir).parent, target_is_directory=True)
    assistant = Assistant(settings_tmp.replace(corpus_dir=corpus, data_dir=data))
    assistant._encoder = encoder  # the session's model
    assistant.build(progress=False)
    assistant.suggest(PROBE)  # warm: the engine in use
    return assistant


def _titles(assistant: Assistant) -> set[str]:
    return {g.title for g in assistant.corpus.guidance}


@pytest.mark.slow
def test_a_trainer_save_swaps_in_a_new_engine_while_agents_keep_answering(served, monkeypatch):
    old_engine = served.engine
    assert "退款流程与到账时间" in _titles(served)
    text = served.corpus_file(GUIDANCE)
    assert OLD_TITLE in text

    # the new engine's build is held until the test lets it go, so the save is still rebuilding
    # while an agent asks
    building, release = threading.Event(), threading.Event()
    open_engine = served._open_engine

    def held_open(corpus):
        building.set()
        assert release.wait(DEADLOCK_S)
        return open_engine(corpus)

    monkeypatch.setattr(served, "_open_engine", held_open)
    saved: list = []
    trainer = threading.Thread(
        target=lambda: saved.append(served.save_corpus_file(GUIDANCE, text.replace(OLD_TITLE, NEW_TITLE)))
    )
    trainer.start()
    assert building.wait(DEADLOCK_S)

    answers: list = []
    agent = threading.Thread(target=lambda: answers.append(served.suggest(PROBE)))
    agent.start()
    agent.join(DEADLOCK_S)
    # the agent was answered by the engine in use while the trainer's save was still rebuilding
    assert not agent.is_alive() and trainer.is_alive()
    assert answers[0].suggestions and served.engine is old_engine
    assert "退款流程与到账时间" in _titles(served)

    release.set()
    trainer.join(DEADLOCK_S)
    assert saved == [[]]
    # swapped whole: the new engine and the corpus it was built from, with the trainer's edit
    assert served.engine is not old_engine and served.engine.corpus is served.corpus
    assert "退款到账时间（新）" in _titles(served) and "退款流程与到账时间" not in _titles(served)
    assert served.suggest(PROBE).suggestions


@pytest.mark.slow
def test_reload_keeps_the_engine_in_use_until_the_new_one_is_ready(served, monkeypatch):
    old_engine = served.engine
    seen: list = []
    open_engine = served._open_engine

    def watched_open(corpus):
        seen.append(served._engine)  # what agents get while the new engine is built
        return open_engine(corpus)

    monkeypatch.setattr(served, "_open_engine", watched_open)
    served.reload()
    assert seen == [old_engine]
    assert served.engine is not old_engine


def test_a_build_with_nothing_changed_reuses_the_detector_and_bm25(served):
    """A no-op build skips retraining (25 s on the shipped corpus); a changed corpus or --full retrains."""
    from assistant.core import DETECTOR_FILE

    detector = served._index_dir() / DETECTOR_FILE
    before = detector.stat().st_mtime_ns
    phases = []
    report = served.build(progress=False, phases=lambda name, done, total: phases.append(name))
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert detector.stat().st_mtime_ns == before
    assert {"bm25", "detector"} <= set(phases)  # the console's phase bar still completes
    served.build(full=True, progress=False)
    assert detector.stat().st_mtime_ns != before
