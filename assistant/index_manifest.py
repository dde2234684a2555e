"""The manifest of the case index: the JSON written beside the FAISS file (model, dimension,
normalisation, index type and parameters, corpus hash, counts, build times, the file's size and
checksum, the case-id map), read back strictly and checked against the model in use.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import INDEX_TYPES
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT = 1
MANIFEST = "manifest.json"
NORMALIZATION = "l2, inner product = cosine"
REBUILD = "run `assistant build` to rebuild it"
_INDEX_FILE = re.compile(r"^vectors-[0-9a-f]{16}\.faiss$")


@dataclass(frozen=True)
class Manifest:
    """The JSON beside the FAISS file: what it holds and how it was built.

    ``ids`` maps case id to FAISS id; ``fingerprints`` maps case id to a digest of the case's
    fingerprint and embedded text (a change there means re-embedding that case).
    """

    model: str
    dimension: int
    index_type: str
    params: dict[str, Any]
    corpus_hash: str
    count: int
    created: str
    updated: str
    index_file: str
    index_bytes: int
    index_sha256: str
    next_id: int
    ids: dict[str, int]
    fingerprints: dict[str, str]
    normalization: str = NORMALIZATION
    format: int = FORMAT

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        # the small fields first, so that the head of the file reads as a summary
        order = [
            "format",
            "model",
            "dimension",
            "normalization",
            "index_type",
            "params",
            "corpus_hash",
            "count",
            "created",
            "updated",
            "index_file",
            "index_bytes",
            "index_sha256",
            "next_id",
        ]
        return {**{key: data[key] for key in order}, "ids": data["ids"], "fingerprints": data["fingerprints"]}

    @classmethod
    def from_dict(cls, data: Any, where: Path) -> Manifest:
        """Validate and build; anything malformed is an ``IndexCorruptError`` naming ``where``."""
        if not isinstance(data, dict):
            raise IndexCorruptError(f"{where}: the manifest is not a JSON object; {REBUILD}")
        fmt = data.get("format")
        if fmt != FORMAT:
            raise IndexMismatchError(
                f"{where}: the index has format {fmt!r}, this version reads format {FORMAT}; {REBUILD}"
            )
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        checks = {
            "int": int,
            "str": str,
            "dict[str, int]": dict,
            "dict[str, str]": dict,
            "dict[str, Any]": dict,
        }
        values = {}
        for name, kind in kinds.items():
            if name not in data:
                raise IndexCorruptError(f"{where}: the manifest lacks {name!r}; {REBUILD}")
            value = data[name]
            expected = checks[str(kind)]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise IndexCorruptError(
                    f"{where}: the manifest's {name!r} is not a {expected.__name__}; {REBUILD}"
                )
            values[name] = value
        manifest = cls(**values)
        problems = []
        if manifest.index_type not in INDEX_TYPES:
            problems.append(f"unknown index type {manifest.index_type!r}")
        if not _INDEX_FILE.match(manifest.index_file):
            problems.append(f"bad index file name {manifest.index_file!r}")
        if set(manifest.ids) != set(manifest.fingerprints) or len(manifest.ids) != manifest.count:
            problems.append("its id map, fingerprints and count disagree")
        if len(set(manifest.ids.values())) != len(manifest.ids) or any(
            not isinstance(v, int) or v < 0 or v >= manifest.next_id for v in manifest.ids.values()
        ):
            problems.append("its id map holds invalid ids")
        if problems:
            raise IndexCorruptError(f"{where}: the manifest is inconsistent ({problems[0]}); {REBUILD}")
        return manifest


def read_manifest_file(path: Path) -> Manifest:
    """The manifest at ``path``, validated (missing: ``IndexMissingError``; damaged: ``IndexCorruptError``)."""
    if not path.is_file():
        where = path.parent
        raise IndexMissingError(
            f"{where}: no index has been built here yet; run `assistant build` to build it"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not valid JSON (truncated?)"
        raise IndexCorruptError(f"{path}: the manifest cannot be read ({reason}); {REBUILD}") from None
    return Manifest.from_dict(data, path)


def check_compatible(manifest: Manifest, where: Path, model_id: str, dimension: int | None) -> None:
    """Refuse an index built for another model, dimension or normalisation (``IndexMismatchError``)."""
    if manifest.model != model_id:
        raise IndexMismatchError(
            f"{where.parent}: the index was built with model {manifest.model!r}, the model in use is "
            f"{model_id!r}; {REBUILD}"
        )
    if dimension is not None and manifest.dimension != dimension:
        raise IndexMismatchError(
            f"{where.parent}: the index holds {manifest.dimension}-d vectors, the model makes "
            f"{dimension}-d ones; {REBUILD}"
        )
    if manifest.normalization != NORMALIZATION:
        raise IndexMismatchError(
            f"{where.parent}: the index vectors are normalised as {manifest.normalization!r}; {REBUILD}"
        )
