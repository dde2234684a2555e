"""Settings: defaults < file < environment < explicit overrides."""

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError


def test_file_then_environment_then_overrides(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('k = 4\ncorpus_dir = "my-corpus"\nindex_type = "hnsw"\n', encoding="utf-8")
    monkeypatch.delenv("ASSISTANT_K", raising=False)
    settings = Settings.load(config)
    assert settings.k == 4
    assert settings.corpus_dir == (tmp_path / "my-corpus").resolve()  # relative to the file
    assert settings.index_type == "hnsw"
    monkeypatch.setenv("ASSISTANT_K", "7")
    assert Settings.load(config).k == 7
    assert Settings.load(config, k=2).k == 2


def test_index_dir_defaults_inside_the_data_dir(tmp_path):
    settings = Settings.load(None, data_dir=str(tmp_path))
    assert settings.resolved_index_dir == tmp_path.resolve() / "index"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("k = ", "not a valid TOML file"),
        ("kk = 3", "unknown setting 'kk'"),
        ('index_type = "annoy"', "index_type: 'annoy' is not one of flat, hnsw, ivf-sq8, ivf-pq"),
        ('k = "many"', "setting k: 'many' is not a valid int"),
        ("k = 0", "setting k: must be between 1 and 50, not 0"),
    ],
)
def test_bad_settings_are_named(tmp_path, content, message):
    config = tmp_path / "assistant.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.load(config)


def test_missing_settings_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="settings file not found"):
        Settings.load(tmp_path / "nope.toml")


def test_replace_keeps_paths_absolute(tmp_path):
    settings = Settings.load(None, data_dir=str(tmp_path)).replace(k=9)
    assert settings.k == 9 and Path(settings.data_dir).is_absolute()
