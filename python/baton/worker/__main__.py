"""``python3 -m baton.worker``: the baton-worker command."""
from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
