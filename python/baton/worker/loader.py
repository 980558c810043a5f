"""Finds what a worker serves: every FOLDER/<path>.py whose main is @workflow or @script,
registered under <path> (forward slashes, no extension), versioned by a hash of its source."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from ..decorators import SCRIPT_MARK, WORKFLOW_MARK, is_script, is_workflow


@dataclass
class Served:
    """A workflow or script a worker runs."""

    name: str
    version: str
    main: Callable[..., Any]
    file: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Registry:
    """What a worker serves, by registered path."""

    workflows: dict[str, Served] = field(default_factory=dict)
    scripts: dict[str, Served] = field(default_factory=dict)


# Folders that hold other people's code, never workflows.
_FOREIGN = {"tests", "node_modules", "site-packages", "venv", "env"}


def _skipped(name: str) -> bool:
    return name.startswith("_") or name.startswith(".") or name in _FOREIGN


def source_files(folder: str) -> list[tuple[str, str]]:
    """(registered path, file) of every candidate module under ``folder``, sorted."""
    found: list[tuple[str, str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _skipped(d) and d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py") and not _skipped(name):
                file = os.path.join(root, name)
                path = os.path.relpath(file, folder)[: -len(".py")].replace(os.sep, "/")
                found.append((path, file))
    return found


def version_of(file: str) -> str:
    """sha256 hex of the file's source, first 16 characters."""
    with open(file, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def load_module(path: str, file: str) -> Any:
    """Imports ``file`` as a module of its own (its folder importable for its siblings)."""
    folder = os.path.dirname(os.path.abspath(file))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name = "baton_served." + path.replace("/", ".").replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_folder(folder: str, errors: list[str] | None = None) -> Registry:
    """Loads every workflow and script module under ``folder``; a file that fails to import is reported in ``errors``."""
    registry = Registry()
    root = os.path.abspath(folder)
    if root not in sys.path:
        sys.path.insert(0, root)
    for path, file in source_files(root):
        try:
            module = load_module(path, file)
        except Exception as error:  # noqa: BLE001 - one broken file must not stop the others
            if errors is not None:
                errors.append(f"{file}: {type(error).__name__}: {error}")
            continue
        main = getattr(module, "main", None)
        if is_workflow(main):
            name = getattr(main, WORKFLOW_MARK).get("name") or path
            registry.workflows[name] = Served(name, version_of(file), main, file)
        elif is_script(main):
            registry.scripts[path] = Served(path, version_of(file), main, file, dict(getattr(main, SCRIPT_MARK).get("options") or {}))
    return registry
