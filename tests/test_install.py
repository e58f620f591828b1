"""Where `import minent_fast` comes from: the wheel in site-packages under `make test`
(MINENT_FAST_INSTALLED=1, the source tree out of sys.path), the tree's python/ otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import minent_fast as mf

SRC = Path(__file__).resolve().parents[1] / "python"


def test_the_package_is_imported_from_where_it_was_installed():
    f = Path(mf.__file__).resolve()
    core = Path(mf._core.__file__).resolve()
    if os.environ.get("MINENT_FAST_INSTALLED"):
        assert SRC not in f.parents and "site-packages" in f.parts, f
        assert core.parent == f.parent and "abi3" in core.name, core  # the stable-ABI build
        # and a fresh interpreter started elsewhere finds the same package with its data
        r = subprocess.run([sys.executable, "-c", "import minent_fast as m; print(m.__file__); "
                            "print(len(m.Lexicon.default()))"], capture_output=True, text=True, cwd="/")
        assert r.returncode == 0, r.stderr
        path, n = r.stdout.split()
        assert Path(path).resolve() == f and int(n) > 400_000
    else:
        assert SRC in f.parents, f  # the editable development install
