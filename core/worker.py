"""Run deep-learning steps in a separate Python process (the "worker").

Why: TensorFlow and QGIS each bring their own protobuf library; importing TensorFlow inside the QGIS
process (qgis_process, QGIS desktop) aborts with "File already exists in database". A worker process
also keeps a crash of the deep-learning stack from taking QGIS down, and frees GPU memory when done.

Protocol (one JSON object per line):

- parent -> worker, stdin: the job ``{"function": NAME, "args": [...], "kwargs": {...}}``, then the
  word ``cancel`` on a line of its own when the user cancels (end of input cancels too);
- worker -> parent, stdout: ``{"event": {...}}`` (a :class:`~deepfeature.core.progress.Event`), then
  ``{"result": ...}`` or ``{"error": {"class": ..., "message": ..., "traceback": ...}}``.

Arguments and results are plain data: dataclasses travel as their fields (``{"__dataclass__": ...}``)
and come back as attribute-accessible dicts.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import traceback
from typing import Any

from . import errors
from .errors import DeepFeatureError
from .progress import Event, Progress, ensure

#: The functions a worker may run: name -> "module:function" inside ``deepfeature.core``.
FUNCTIONS = {
    "initialize_model": "model:initialize_model",
    "train_model": "train:train_model",
    "classify_raster": "classify:classify_raster",
}
#: Seconds a worker gets to stop by itself after a cancel before it is killed.
CANCEL_GRACE = 60.0
#: The plugin's package name ("deepfeature"), also when this module runs as ``python -m``.
PACKAGE = (__spec__.name if __spec__ is not None else __name__).rsplit(".", 2)[0]


class Result(dict):
    """A dict whose keys are also attributes (what a worker returns)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


# ------------------------------------------------------------------------------------------------
# Plain-data encoding
# ------------------------------------------------------------------------------------------------
def encode(value: Any) -> Any:
    """JSON-able form of ``value`` (dataclasses tagged so that :func:`decode` rebuilds them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value)
        return {"__dataclass__": "{}:{}".format(cls.__module__, cls.__qualname__), "fields": encode(fields)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):  # numpy arrays
        return value.tolist()
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode` for arguments (dataclasses only from ``deepfeature.core``)."""
    if isinstance(value, dict):
        if "__dataclass__" in value:
            module, _, name = value["__dataclass__"].partition(":")
            if module.split(".")[1:2] != ["core"]:
                raise DeepFeatureError("Refusing to rebuild '{}' in the worker.".format(module))
            module = PACKAGE + "." + module.split(".", 1)[1]
            cls = getattr(importlib.import_module(module), name)
            fields = decode(value["fields"])
            return cls.from_dict(fields) if hasattr(cls, "from_dict") else cls(**fields)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _as_result(value: Any) -> Any:
    if isinstance(value, dict):
        if "__dataclass__" in value:
            return _as_result(value["fields"])
        return Result({k: _as_result(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_as_result(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------------
# Parent side
# ------------------------------------------------------------------------------------------------
def worker_python() -> str:
    """The Python interpreter for workers: ``DEEPFEATURE_PYTHON``, else the one running this code.

    Inside QGIS ``sys.executable`` is QGIS itself, so the interpreter of the same version in QGIS's
    prefix is used (``/usr/bin/python3.11`` on Linux, ``python.exe`` on Windows / OSGeo4W).
    """
    override = os.environ.get("DEEPFEATURE_PYTHON")
    if override:
        return override
    exe = sys.executable or ""
    if os.path.basename(exe).lower().startswith("python"):
        return exe
    version = "python{}.{}".format(*sys.version_info[:2])
    prefix = sys.exec_prefix
    candidates = [
        os.path.join(prefix, "bin", version),
        os.path.join(prefix, "bin", "python3"),
        os.path.join(prefix, "python.exe"),
        os.path.join(prefix, "python3.exe"),
        shutil.which(version),
        shutil.which("python3"),
        shutil.which("python"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise errors.DependencyError(
        "No Python interpreter found to run the deep-learning worker. Set the environment variable "
        "DEEPFEATURE_PYTHON to the python executable that QGIS uses."
    )


def _child_env() -> dict:
    package = sys.modules.get(PACKAGE)
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__))) if package else ""
    paths = [package_dir] + [p for p in sys.path if p and os.path.isdir(p)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _pump(stream, sink) -> None:
    for line in iter(stream.readline, ""):
        sink(line)
    sink(None)


def run_in_worker(name: str, *args: Any, progress: Progress | None = None, **kwargs: Any) -> Any:
    """Run ``FUNCTIONS[name](*args, **kwargs)`` in a worker process and return its result.

    Progress events are forwarded to ``progress``; cancelling ``progress`` asks the worker to stop.
    Core errors raised in the worker are raised again here with the same class and message.
    """
    if name not in FUNCTIONS:
        raise DeepFeatureError("Unknown worker function '{}'.".format(name))
    progress = ensure(progress)
    job = json.dumps({"function": name, "args": encode(list(args)), "kwargs": encode(kwargs)})
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        proc = subprocess.Popen(
            [worker_python(), "-m", PACKAGE + ".core.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_child_env(), text=True, encoding="utf-8", bufsize=1, creationflags=flags,
        )
    except OSError as exc:
        raise errors.DependencyError(
            "Cannot start the deep-learning worker ({}). Set DEEPFEATURE_PYTHON to the python executable "
            "that QGIS uses.".format(exc)
        ) from exc
    lines: queue.Queue = queue.Queue()
    stderr_tail: collections.deque = collections.deque(maxlen=40)
    pumps = [
        threading.Thread(target=_pump, args=(proc.stdout, lines.put), daemon=True),
        threading.Thread(
            target=_pump, args=(proc.stderr, lambda s: s is not None and stderr_tail.append(s.rstrip())),
            daemon=True,
        ),
    ]
    for pump in pumps:
        pump.start()
    outcome: dict | None = None
    canceled_at = None
    try:
        try:
            proc.stdin.write(job + "\n")
            proc.stdin.flush()
        except OSError:  # the worker died before reading its job: reported below, with its messages
            pass
        while True:
            if canceled_at is None and progress.is_canceled():
                canceled_at = time.monotonic()
                _send(proc, "cancel")
            if canceled_at is not None and time.monotonic() - canceled_at > CANCEL_GRACE:
                proc.kill()
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                stderr_tail.append(line.rstrip())
                continue
            if "event" in message:
                progress.emit(Event.from_dict(message["event"]))
            else:
                outcome = message
    finally:
        _send(proc, None)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pump in pumps:
            pump.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    if outcome is not None and "result" in outcome:
        return _as_result(outcome["result"])
    if outcome is not None and "error" in outcome:
        error = outcome["error"]
        cls = getattr(errors, error.get("class", ""), None)
        if isinstance(cls, type) and issubclass(cls, DeepFeatureError):
            raise cls(error["message"])
        progress.debug(error.get("traceback", ""))
        raise DeepFeatureError(
            "The deep-learning worker failed: {}: {}".format(error.get("class"), error.get("message"))
        )
    if canceled_at is not None:
        raise errors.CanceledError("Canceled by the user; the worker was stopped.")
    tail = "\n".join(list(stderr_tail)[-12:])
    raise DeepFeatureError(
        "The deep-learning worker stopped unexpectedly (exit code {}). Its last messages:\n{}".format(
            proc.returncode, tail
        )
    )


def _send(proc, text: str | None) -> None:
    try:
        if text is None:
            proc.stdin.close()
        else:
            proc.stdin.write(text + "\n")
            proc.stdin.flush()
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------------------------------------
# Worker side
# ------------------------------------------------------------------------------------------------
class _StreamProgress(Progress):
    """Writes events as JSON lines; canceled when the parent says so or goes away."""

    def __init__(self, out):
        self._out, self._lock = out, threading.Lock()
        self.canceled = threading.Event()

    def emit(self, event: Event) -> None:
        self.write({"event": event.to_dict()})

    def write(self, message: dict) -> None:
        with self._lock:
            self._out.write(json.dumps(message) + "\n")
            self._out.flush()

    def is_canceled(self) -> bool:
        return self.canceled.is_set()


def _listen(progress: _StreamProgress) -> None:
    for line in sys.stdin:
        if line.strip() == "cancel":
            progress.canceled.set()
    progress.canceled.set()  # the parent closed our input: stop as soon as possible


def main() -> int:
    """Worker entry point: ``python -m deepfeature.core.worker`` (reads one job from stdin)."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # anything else printed (libraries, C code) goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    progress = _StreamProgress(protocol)
    job = json.loads(sys.stdin.readline())
    threading.Thread(target=_listen, args=(progress,), daemon=True).start()
    try:
        module, _, function = FUNCTIONS[job["function"]].partition(":")
        target = getattr(importlib.import_module("{}.core.{}".format(PACKAGE, module)), function)
        result = target(*decode(job["args"]), progress=progress, **decode(job["kwargs"]))
        progress.write({"result": encode(result)})
        return 0
    except BaseException as exc:  # reported to the parent, which raises it again
        progress.write({"error": {"class": type(exc).__name__, "message": str(exc),
                                  "traceback": traceback.format_exc()}})
        return 1


if __name__ == "__main__":
    sys.exit(main())
