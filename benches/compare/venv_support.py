"""Runs a comparison script inside benches/compare/.venv with pinned packages.

Shared by the comparison scripts so each states only what it needs.
"""

import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv"


def ensure(modules: list[str], pins: list[str]) -> None:
    """Returns when every module imports; otherwise re-runs the calling script
    inside the venv, creating it and installing `pins` as needed."""
    if all(importlib.util.find_spec(m) is not None for m in modules):
        return
    python = VENV / "bin" / "python"
    inside = Path(sys.prefix).resolve() == VENV.resolve()
    if inside:
        # The venv exists (another comparison made it) but lacks these.
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    elif not python.exists():
        venv.create(VENV, with_pip=True)
    os.execv(str(python), [str(python), *sys.argv])
