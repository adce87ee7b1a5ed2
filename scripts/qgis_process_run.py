"""Run a deepfeature algorithm through qgis_process and return its JSON results.

Used by the demo and by the tests that prove the plugin works from the command line. Parameters are
passed as ``NAME=value`` (lists repeat the name; qgis_process 3.22 wants no dashes), results are read
from ``qgis_process --json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

QGIS_PROCESS = os.environ.get("DEEPFEATURE_QGIS_PROCESS", "/usr/bin/qgis_process.bin")


def qgis_process(algorithm: str, params: dict, timeout: float = 1800, echo: bool = True) -> dict:
    """Run ``algorithm`` (an id or a .model3 path) with ``params``; return the ``results`` dict."""
    args = [QGIS_PROCESS, "--json", "run", algorithm, "--"]
    for key, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            args.append("{}={}".format(key, item))
    if echo:
        print("$ qgis_process run {} ...".format(algorithm), flush=True)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    start = proc.stdout.find("{")
    if proc.returncode != 0 or start < 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError("qgis_process {} failed with exit code {}".format(algorithm, proc.returncode))
    data = json.loads(proc.stdout[start:])
    results = data.get("results", {})
    if echo:
        for key, value in sorted(results.items()):
            print("   {} = {}".format(key, value))
    return results
