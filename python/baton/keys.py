"""Step identity (sdk/core/step-key.ts): branch path + name + occurrence, e.g. ``parallel#0[3]/task#1``."""
from __future__ import annotations

import re

ROOT_BRANCH = ""

_STRUCTURAL = re.compile(r"[%/#\[\]]")


def step_key(branch: str, label: str, occurrence: int) -> str:
    """The key of the ``occurrence``-th call named ``label`` in ``branch``."""
    return f"{branch}{escape_label(label)}#{occurrence}"


def item_branch(parallel_key: str, index: int) -> str:
    """The branch path of item ``index`` of the parallel call keyed ``parallel_key``."""
    return f"{parallel_key}[{index}]/"


def patch_key(branch: str, patch_id: str) -> str:
    """The key of a ``patched(id)`` marker: no ``#n``, so it never equals a call's key."""
    return f"{branch}patch:{patch_id}"


def escape_label(label: str) -> str:
    """Percent-escapes the characters that structure a key, so no name forges another key."""
    return _STRUCTURAL.sub(lambda m: f"%{ord(m.group(0)):02X}", label)
