"""Reply assistant for Chinese e-commerce customer service.

``from assistant import Assistant`` gives the core API; ``%load_ext assistant`` loads the notebook
magics. Heavy dependencies (torch, sentence-transformers, faiss, jieba) load on first use, so
importing this package stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings
    from .core import Assistant

_LAZY = {"Assistant": ("core", "Assistant"), "Settings": ("config", "Settings")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext assistant``: register the analyst magics."""
    from .magics import AssistantMagics

    ipython.register_magics(AssistantMagics(shell=ipython))


__all__ = ["Assistant", "Settings", "__version__", "load_ipython_extension"]
