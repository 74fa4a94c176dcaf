"""Executes a notebook top to bottom with nbclient (so the example cannot rot); fails
on the first cell that raises. Usage: run_notebook.py NOTEBOOK.ipynb"""

from __future__ import annotations

import os
import sys
import tempfile

import nbformat
from nbclient import NotebookClient


def main(path: str) -> int:
    nb = nbformat.read(path, as_version=4)
    workdir = tempfile.mkdtemp(prefix="casekit-nb-")
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": workdir}})
    client.execute()
    print("notebook %s: %d cells executed in %s" % (path, len(nb.cells), workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
