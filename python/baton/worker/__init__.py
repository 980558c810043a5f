"""baton.worker: the process that runs Python workflow bodies and tasks for a Baton Worker (protocol v1)."""
from __future__ import annotations

from .cli import main

__all__ = ["main"]
