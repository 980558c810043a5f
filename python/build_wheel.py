"""Builds baton_workflows-0.1.0-py3-none-any.whl with the stdlib only (zipfile + hashlib)."""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "baton_workflows", "0.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
DIST_INFO = f"{NAME}-{VERSION}.dist-info"


def metadata() -> str:
    """The wheel's METADATA (core metadata 2.1)."""
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    return (
        "Metadata-Version: 2.1\nName: baton-workflows\nVersion: 0.1.0\n"
        "Summary: Python SDK and worker for Baton, durable workflows on Cloudflare Workers\n"
        "License: MIT\nRequires-Python: >=3.11\nDescription-Content-Type: text/markdown\n\n" + readme
    )


def files() -> list[tuple[str, bytes]]:
    """(archive name, content) of every file the wheel holds, the dist-info last."""
    out: list[tuple[str, bytes]] = []
    for root, dirs, names in os.walk(os.path.join(HERE, "baton")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path, "rb") as handle:
                    out.append((os.path.relpath(path, HERE).replace(os.sep, "/"), handle.read()))
    out.append((f"{DIST_INFO}/METADATA", metadata().encode()))
    out.append((f"{DIST_INFO}/WHEEL", b"Wheel-Version: 1.0\nGenerator: baton build_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    out.append((f"{DIST_INFO}/entry_points.txt", b"[console_scripts]\nbaton-worker = baton.worker:main\n"))
    out.append((f"{DIST_INFO}/top_level.txt", b"baton\n"))
    return out


def digest(content: bytes) -> str:
    """RECORD's hash form: sha256=<urlsafe base64, no padding>."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def build(out_dir: str) -> str:
    """Writes the wheel into ``out_dir`` and answers its path."""
    os.makedirs(out_dir, exist_ok=True)
    wheel = os.path.join(out_dir, f"{NAME}-{VERSION}-py3-none-any.whl")
    entries = files()
    record = "".join(f"{name},{digest(content)},{len(content)}\n" for name, content in entries) + f"{DIST_INFO}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries + [(f"{DIST_INFO}/RECORD", record.encode())]:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return wheel


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(HERE, "..", "packs"), help="output folder (default ../packs)")
    print(build(os.path.abspath(parser.parse_args().out)))
