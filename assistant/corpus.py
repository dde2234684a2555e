"""The corpus facade: every corpus name other modules, tests and notebooks import, from one place.

The work lives in one module per job: ``corpus_cases`` (the JSONL case format, one line read and
validated; history turns), ``corpus_guidance`` (guidance Markdown sections), ``corpus_shop`` (shop
profile and catalog), ``corpus_load`` (``load_corpus``: the whole corpus, checked across files,
every problem as ``file:line: message``) and ``corpus_store`` (``CaseStore``: locked, atomic case
edits for the console, the CLI and chat import).
"""

from __future__ import annotations

from .corpus_cases import (
    CASE_FIELDS,
    REQUIRED_CASE_FIELDS,
    ROLE_PREFIXES,
    ROLES,
    STATUSES,
    case_files,
    parse_case,
    parse_history,
    parse_turn,
    read_case_file,
)
from .corpus_guidance import parse_guidance
from .corpus_load import Corpus, load_corpus, validate_corpus
from .corpus_shop import CATALOG_COLUMNS, STOCK_STATES, load_catalog, load_shop
from .corpus_store import INBOX_FILE, LOCK_NAME, CaseStore
from .errors import Problem
from .records import (  # re-exported: the records lived here
    Case,
    GuidanceSection,
    Product,
    ShopProfile,
    Turn,
    case_fingerprint,
    fingerprints_hash,
)

_load_shop = load_shop  # the name selection.py (and older code) imports

__all__ = [
    "CASE_FIELDS",
    "CATALOG_COLUMNS",
    "INBOX_FILE",
    "LOCK_NAME",
    "REQUIRED_CASE_FIELDS",
    "ROLES",
    "ROLE_PREFIXES",
    "STATUSES",
    "STOCK_STATES",
    "Case",
    "CaseStore",
    "Corpus",
    "GuidanceSection",
    "Problem",
    "Product",
    "ShopProfile",
    "Turn",
    "case_fingerprint",
    "case_files",
    "fingerprints_hash",
    "load_catalog",
    "load_corpus",
    "load_shop",
    "parse_case",
    "parse_guidance",
    "parse_history",
    "parse_turn",
    "read_case_file",
    "validate_corpus",
]
