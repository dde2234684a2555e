"""Writing cases: ``CaseStore`` adds, edits, re-labels and deletes cases in their JSONL files, each
change under the corpus lock, re-reading the file it changes and replacing it atomically, so that
concurrent console sessions, CLI runs and chat imports never lose each other's edits.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from .corpus_cases import STATUSES, case_files, parse_case, read_case_file
from .corpus_shop import load_shop
from .errors import CorpusError, Problem, UnknownIdError
from .records import Case, ShopProfile
from .storage import atomic_write_text, locked
from .taxonomy import Taxonomy, did_you_mean, load_taxonomy

LOCK_NAME = ".corpus.lock"
INBOX_FILE = "inbox.jsonl"


class CaseStore:
    """Adds, edits, deletes and re-labels cases in a corpus directory, safely.

    Every change holds the corpus lock, re-reads the file it changes, and replaces it atomically,
    so concurrent console sessions and CLI runs never lose each other's edits.
    """

    def __init__(self, directory: str | Path, lock_timeout_s: float = 30.0):
        self.directory = Path(directory).resolve()
        self.lock_timeout_s = lock_timeout_s

    @property
    def lock_path(self) -> Path:
        return self.directory / LOCK_NAME

    def _taxonomy_and_shop(self) -> tuple[Taxonomy, ShopProfile]:
        problems: list[Problem] = []
        shop = load_shop(self.directory / "shop.toml", problems)
        return load_taxonomy(self.directory / "taxonomy.toml"), shop

    def _validated(self, data: dict, file: Path) -> Case:
        taxonomy, shop = self._taxonomy_and_shop()
        case, problems = parse_case(data, str(file), 0, taxonomy, shop)
        if problems or case is None:
            raise CorpusError(problems)
        return case

    def _all_ids(self) -> dict[str, Path]:
        ids: dict[str, Path] = {}
        for path in case_files(self.directory):
            for case, _ in read_case_file(path):
                if case is not None:
                    ids[case.id] = path
        return ids

    def add(self, data: dict, file_name: str | None = None) -> Case:
        """Append a new case (``data`` as in the JSONL format) and return it.

        Args:
            data: the case fields; a missing ``id`` is generated from the scenario.
            file_name: the case file to append to (default: ``inbox.jsonl`` for candidates,
                ``<scenario>.jsonl`` for approved cases).

        Raises:
            CorpusError: the case is invalid or its id is taken.
        """
        from .storage import append_line

        with locked(self.lock_path, self.lock_timeout_s):
            ids = self._all_ids()
            data = dict(data)
            if not data.get("id"):
                data["id"] = _new_id(str(data.get("scenario") or "case"), ids)
            if data["id"] in ids:
                raise CorpusError(
                    [Problem(str(ids[data["id"]]), None, f"case id {data['id']!r} is already used")]
                )
            status = data.get("status") or "approved"
            target = (
                self.directory
                / "cases"
                / (file_name or (INBOX_FILE if status == "candidate" else f"{data.get('scenario')}.jsonl"))
            )
            case = self._validated(data, target)
            append_line(target, case.to_json())
            return dataclasses.replace(case, path=str(target), line=_line_count(target))

    def add_many(self, records: list[dict], file_name: str) -> int:
        """Append many new cases to one file in a single locked, atomic write; returns how many."""
        with locked(self.lock_path, self.lock_timeout_s):
            ids = self._all_ids()
            target = self.directory / "cases" / file_name
            lines = [line for line in _read_lines(target)]
            added = 0
            for data in records:
                data = dict(data)
                if not data.get("id") or data["id"] in ids:
                    data["id"] = _new_id(str(data.get("scenario") or "case"), ids)
                case = self._validated(data, target)
                ids[case.id] = target
                lines.append(case.to_json())
                added += 1
            atomic_write_text(target, "\n".join(lines) + "\n")
            return added

    def update(self, case_id: str, **changes: Any) -> Case:
        """Change fields of an existing case in place (e.g. ``status="approved"`` or a new ``reply``)."""
        with locked(self.lock_path, self.lock_timeout_s):
            path, index, lines, data = self._locate(case_id)
            data.update({k: v for k, v in changes.items()})
            data["id"] = case_id
            case = self._validated(data, path)
            lines[index] = case.to_json()
            atomic_write_text(path, "\n".join(lines) + "\n")
            return dataclasses.replace(case, path=str(path), line=index + 1)

    def delete(self, case_id: str) -> None:
        """Remove a case from its file."""
        with locked(self.lock_path, self.lock_timeout_s):
            path, index, lines, _ = self._locate(case_id)
            del lines[index]
            atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))

    def delete_many(self, case_ids: list[str]) -> int:
        """Remove many cases under one lock, writing each changed file once; returns how many.

        Raises:
            UnknownIdError: an id is unknown (nothing is written then).
        """
        wanted = set(case_ids)
        with locked(self.lock_path, self.lock_timeout_s):
            writes: list[tuple[Path, list[str]]] = []
            for path in case_files(self.directory):
                lines = _read_lines(path)
                kept = []
                for line in lines:
                    stripped = line.strip()
                    try:
                        data = json.loads(stripped) if stripped and not stripped.startswith("//") else None
                    except json.JSONDecodeError:
                        data = None
                    if isinstance(data, dict) and data.get("id") in wanted:
                        wanted.discard(data["id"])
                        continue
                    kept.append(line)
                if len(kept) != len(lines):
                    writes.append((path, kept))
            if wanted:
                raise UnknownIdError(f"no case with id {sorted(wanted)[0]!r}")
            for path, kept in writes:
                atomic_write_text(path, "\n".join(kept) + ("\n" if kept else ""))
        return len(set(case_ids))

    def set_status(self, case_id: str, status: str) -> Case:
        """Approve, reject or send back a case (``approved`` | ``candidate`` | ``rejected``)."""
        if status not in STATUSES:
            raise UnknownIdError(f"unknown status {status!r}{did_you_mean(status, STATUSES)}")
        return self.update(case_id, status=status)

    def set_status_many(self, case_ids: list[str], status: str) -> list[Case]:
        """Set the status of many cases under one lock, writing each changed file once.

        Raises:
            UnknownIdError: a status or an id is unknown (nothing is written then).
        """
        if status not in STATUSES:
            raise UnknownIdError(f"unknown status {status!r}{did_you_mean(status, STATUSES)}")
        wanted = set(case_ids)
        taxonomy, shop = self._taxonomy_and_shop()
        changed: list[Case] = []
        with locked(self.lock_path, self.lock_timeout_s):
            writes: list[tuple[Path, list[str]]] = []
            for path in case_files(self.directory):
                lines = _read_lines(path)
                touched = False
                for index, line in enumerate(lines):
                    stripped = line.strip()
                    if not stripped or stripped.startswith("//") or not wanted:
                        continue
                    try:
                        data = json.loads(stripped)
                    except json.JSONDecodeError:
                        continue
                    if not isinstance(data, dict) or data.get("id") not in wanted:
                        continue
                    wanted.discard(data["id"])
                    case, problems = parse_case(
                        {**data, "status": status}, str(path), index + 1, taxonomy, shop
                    )
                    if problems or case is None:
                        raise CorpusError(problems)
                    lines[index] = case.to_json()
                    changed.append(case)
                    touched = True
                if touched:
                    writes.append((path, lines))
            if wanted:
                missing = sorted(wanted)[0]
                raise UnknownIdError(f"no case with id {missing!r}")
            for path, lines in writes:
                atomic_write_text(path, "\n".join(lines) + "\n")
        return changed

    def _locate(self, case_id: str) -> tuple[Path, int, list[str], dict]:
        unreadable = None
        for path in case_files(self.directory):
            try:
                lines = _read_lines(path)
            except CorpusError as exc:  # e.g. saved in another encoding: edits elsewhere still work
                unreadable = exc
                continue
            for index, line in enumerate(lines):
                stripped = line.strip()
                if not stripped or stripped.startswith("//"):
                    continue
                try:
                    data = json.loads(stripped)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict) and data.get("id") == case_id:
                    return path, index, lines, data
        if unreadable is not None:
            raise unreadable  # the case may well be in the file we cannot read
        known = list(self._all_ids())
        raise UnknownIdError(f"no case with id {case_id!r}{did_you_mean(case_id, known)}")


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise CorpusError([Problem(str(path), None, f"cannot read file ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError([Problem(str(path), line, "not UTF-8 text; save the file as UTF-8")]) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _line_count(path: Path) -> int:
    return len(_read_lines(path))


def _new_id(prefix: str, taken: dict[str, Any]) -> str:
    prefix = re.sub(r"[^A-Za-z0-9_.\-]", "-", prefix) or "case"
    n = len(taken) + 1
    while f"{prefix}-{n:04d}" in taken:
        n += 1
    return f"{prefix}-{n:04d}"
