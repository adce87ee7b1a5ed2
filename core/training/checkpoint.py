"""Checkpoints of a training run: the ``<output>.checkpoint/`` folder (weights, optimizer state, JSON state),
arrays written atomically, and the fingerprint that a resumed run must share with the interrupted one."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from ..errors import TrainingError
from ..files import write_text_atomic
from .config import TrainRun

CHECKPOINT_VERSION = 1


def checkpoint_dir_for(output_model: str | os.PathLike) -> Path:
    """The checkpoint folder of a run: ``<output>.checkpoint/``."""
    p = Path(output_model)
    return p.with_name(p.name + ".checkpoint")


def save_arrays(path: Path, arrays: list[np.ndarray]) -> None:
    """Write ``arrays`` to the ``.npz`` file ``path`` atomically (a partial file, synced, then renamed)."""
    tmp = path.with_name("." + path.name + ".partial")
    with open(tmp, "wb") as fh:
        np.savez(fh, *arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_arrays(path: Path) -> list[np.ndarray]:
    """The arrays of a file written by :func:`save_arrays`, in order."""
    with np.load(path) as data:
        return [data["arr_{}".format(i)] for i in range(len(data.files))]


def fingerprint_data(run: TrainRun) -> dict:
    """What a checkpoint must share with the run that resumes it (not the device or the report)."""
    data = run.to_dict()
    for key in ("output_report", "deepfeature_version"):
        data.pop(key, None)
    data["config"] = dict(data["config"], device="", workers=0)
    return data


def fingerprint(data: dict) -> str:
    """A short hash of :func:`fingerprint_data`."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def run_differences(old: dict | None, new: dict) -> list[str]:
    """'EPOCHS 4 -> 6'-style names of what differs between two fingerprint dicts (empty if unknown)."""
    if not isinstance(old, dict):
        return []
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if key == "config" and isinstance(a, dict) and isinstance(b, dict):
            out += ["{} {} -> {}".format(k.upper(), a.get(k), b.get(k))
                    for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            out.append("{} {} -> {}".format(key, a, b))
    return out


class Checkpoint:
    """The ``<output>.checkpoint/`` folder.

    It holds ``state.json``, ``weights-NNNN.npz`` (model + optimizer) and ``best-NNNN.npz``.
    """

    def __init__(self, folder: Path):
        """The checkpoint in ``folder`` (created on the first write)."""
        self.folder = folder

    def state(self) -> dict | None:
        """The saved state; None when none is usable (missing, damaged, other version, files gone)."""
        path = self.folder / "state.json"
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if state.get("version") != CHECKPOINT_VERSION:
            return None
        for key in ("weights", "best"):
            if state.get(key) and not (self.folder / state[key]).is_file():
                return None
        return state

    def write(
        self, epoch: int, model, state: dict, best_weights: list | None, best_name: str | None
    ) -> str | None:
        """Save the weights and optimizer state of ``epoch`` (and ``best_weights`` when new) with ``state``;
        older files are removed. Returns the name of the best weights' file."""
        self.folder.mkdir(exist_ok=True)
        name = "weights-{:04d}.npz".format(epoch)
        opt_vars = [np.asarray(v) for v in model.optimizer.variables] if model.optimizer is not None else []
        weights = model.get_weights()
        save_arrays(self.folder / name, weights + opt_vars)
        if best_weights is not None:
            best_name = "best-{:04d}.npz".format(epoch)
            save_arrays(self.folder / best_name, best_weights)
        state = dict(
            state,
            version=CHECKPOINT_VERSION,
            weights=name,
            best=best_name,
            n_weights=len(weights),
            n_optimizer=len(opt_vars),
        )
        write_text_atomic(self.folder / "state.json", json.dumps(state, indent=1))
        keep = {name, best_name, "state.json"}
        for old in self.folder.iterdir():
            if old.name not in keep and not old.name.startswith("."):
                with contextlib.suppress(OSError):
                    old.unlink()
        return best_name

    def restore(self, model, state: dict) -> list | None:
        """Load the saved weights and optimizer state into ``model``; return the best weights (or None)."""
        arrays = load_arrays(self.folder / state["weights"])
        n = state["n_weights"]
        model.set_weights(arrays[:n])
        opt = arrays[n:]
        if opt:
            model.optimizer.build(model.trainable_variables)
            variables = model.optimizer.variables
            if len(variables) != len(opt):
                raise TrainingError(
                    "The checkpoint's optimizer state does not match; delete '{}' and train again.".format(
                        self.folder
                    )
                )
            for var, value in zip(variables, opt):
                var.assign(value)
        return load_arrays(self.folder / state["best"]) if state.get("best") else None

    def remove(self) -> None:
        """Delete the folder."""
        shutil.rmtree(self.folder, ignore_errors=True)
