"""Named errors. Every error a user can cause has a class here and a one-line message.

The CLI turns them into a message and exit code 1, the magics into ``UsageError``, the console
into ``st.error``; no traceback reaches a user. Messages are written for trainers and agents.
"""

from __future__ import annotations

from dataclasses import dataclass


class AssistantError(Exception):
    """Base class of every error the assistant reports to a user."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file, reported as ``path:line: message``."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}


class ConfigError(AssistantError):
    """The settings file or an environment variable holds an invalid value."""


class CorpusError(AssistantError):
    """The corpus has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "corpus is invalid"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class CorpusNotFoundError(AssistantError):
    """The corpus directory or one of its required files does not exist."""


class UnknownIdError(AssistantError):
    """A case, guidance section, rule or label id that does not exist (with the closest valid id)."""


class InputError(AssistantError):
    """A message, reply or option given by the user cannot be used (empty, too long, malformed)."""


class FileFormatError(AssistantError):
    """An input file cannot be read: wrong encoding, bad JSON, missing columns, unknown format."""


class ModelError(AssistantError):
    """The embedding model cannot be loaded or does not behave as configured."""


class IndexStateError(AssistantError):
    """Base class of problems with the index on disk; the way out is `assistant build`."""


class IndexMissingError(IndexStateError):
    """No index has been built yet for this corpus."""


class IndexCorruptError(IndexStateError):
    """The index or its manifest is damaged and must be rebuilt."""


class IndexMismatchError(IndexStateError):
    """The index was built for another model, dimension or corpus and must be rebuilt."""


class ChecklistError(AssistantError):
    """The checklist rules file is invalid (reported with file and line)."""


class StoreError(AssistantError):
    """Feedback or a corpus edit could not be saved (lock timeout, disk full, read-only)."""


class ApprovalBlockedError(AssistantError):
    """A case whose reply fails the checklist was approved or added without an override reason."""
