"""Run deep-learning steps in a separate Python process (the "worker").

Why: TensorFlow and QGIS each bring their own protobuf library; importing TensorFlow inside the QGIS
process (qgis_process, QGIS desktop) aborts with "File already exists in database". A worker process
also keeps a crash of the deep-learning stack from taking QGIS down, and frees GPU memory when done.

Protocol (one JSON object per line):

- parent -> worker, stdin: a job ``{"function": NAME, "args": [...], "kwargs": {...}}``, then the
  word ``cancel`` on a line of its own when the user cancels (end of input cancels too);
- worker -> parent, stdout: ``{"event": {...}}`` (a :class:`~deepfeature.core.progress.Event`), then
  ``{"result": ...}`` or ``{"error": {"class": ..., "message": ..., "traceback": ...}}``.

A worker runs jobs one after the other until its input ends. Classification workers are kept for
:data:`~.environment.WORKER_IDLE` seconds after a job (``DEEPFEATURE_WORKER_IDLE``; 0 = one process per
job): the next classification (batch mode, a model) starts at once, with the model already loaded and
compiled.
Any other job, a cancelled job or a failed worker gets a process of its own, which ends with the job.

Arguments and results are plain data: dataclasses travel as their fields (``{"__dataclass__": ...}``)
and come back as attribute-accessible dicts.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import importlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from typing import Any

from . import errors
from .environment.layout import SETUP_HINT
from .environment.runtime import WorkerRuntime, worker_runtime
from .errors import DeepFeatureError
from .progress import Event, Progress, ensure

#: The functions a worker may run: name -> "module:function" inside ``deepfeature.core``.
FUNCTIONS = {
    "initialize_model": "nn:initialize_model",
    "train_model": "training:train_model",
    "classify_raster": "inference:classify_raster",
    "environment:self_check": "environment:self_check",
}
#: Seconds a worker gets to stop by itself after a cancel before it is killed.
CANCEL_GRACE = 60.0
#: Jobs whose worker is kept for the next job of the same kind (loaded models stay loaded).
REUSABLE = frozenset({"classify_raster"})
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
def _pump(stream, sink) -> None:
    for line in iter(stream.readline, ""):
        sink(line)
    sink(None)


class _Worker:
    """A worker process with its output pumps (they live as long as the process)."""

    def __init__(self, runtime: WorkerRuntime, idle: float):
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        env = dict(runtime.env, PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            self.proc = subprocess.Popen(
                [runtime.python, "-m", PACKAGE + ".core.worker", "--idle", str(idle)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, text=True, encoding="utf-8", bufsize=1, creationflags=flags,
            )
        except OSError as exc:
            hint = SETUP_HINT if runtime.managed else (
                "Check DEEPFEATURE_PYTHON, or unset it to use the managed environment.")
            raise errors.DependencyError(
                "Cannot start the deep-learning worker '{}' ({}). {}".format(runtime.python, exc, hint)
            ) from exc
        self.runtime, self.idle, self.last_used = runtime, idle, time.monotonic()
        self.lines: queue.Queue = queue.Queue()
        self.stderr_tail: collections.deque = collections.deque(maxlen=40)
        self.pumps = [
            threading.Thread(target=_pump, args=(self.proc.stdout, self.lines.put), daemon=True),
            threading.Thread(target=_pump, args=(self.proc.stderr, self._stderr), daemon=True),
        ]
        for pump in self.pumps:
            pump.start()

    def _stderr(self, line: str | None) -> None:
        if line is not None:
            self.stderr_tail.append(line.rstrip())

    def expiring(self) -> bool:
        """Ended, or about to end by itself (idle for nearly its time)."""
        return self.proc.poll() is not None or time.monotonic() - self.last_used > 0.8 * self.idle

    def usable(self, runtime: WorkerRuntime) -> bool:
        """Alive, same interpreter and variables, and not about to end by itself."""
        same = (self.runtime.python, self.runtime.env) == (runtime.python, runtime.env)
        return same and not self.expiring()

    def close(self) -> None:
        """End the process (its input ends: a running job is cancelled) and wait for it."""
        _send(self.proc, None)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pump in self.pumps:
            pump.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()


_IDLE: list[_Worker] = []
_IDLE_LOCK = threading.Lock()


def _take_worker(runtime: WorkerRuntime) -> _Worker | None:
    """An idle reusable worker for this environment (others that can no longer serve are closed)."""
    stale, found = [], None
    with _IDLE_LOCK:
        for worker in list(_IDLE):
            if found is None and worker.usable(runtime):
                found = worker
                _IDLE.remove(worker)
            elif worker.expiring():
                stale.append(worker)
                _IDLE.remove(worker)
    for worker in stale:
        worker.close()
    return found


def shutdown_workers() -> None:
    """Close the idle workers (plugin unload, interpreter exit)."""
    with _IDLE_LOCK:
        workers = list(_IDLE)
        _IDLE.clear()
    for worker in workers:
        worker.close()


atexit.register(shutdown_workers)


def run_in_worker(name: str, *args: Any, progress: Progress | None = None,
                  runtime: WorkerRuntime | None = None, **kwargs: Any) -> Any:
    """Run ``FUNCTIONS[name](*args, **kwargs)`` in a worker process and return its result.

    ``runtime``: the interpreter and its variables (:func:`~.environment.worker_runtime` of the default
    folder when not given). Progress events are forwarded to ``progress``; cancelling ``progress`` asks
    the worker to stop. Core errors raised in the worker are raised again here with the same class and
    message.
    """
    if name not in FUNCTIONS:
        raise DeepFeatureError("Unknown worker function '{}'.".format(name))
    progress = ensure(progress)
    job = json.dumps({"function": name, "args": encode(list(args)), "kwargs": encode(kwargs)})
    runtime = runtime if runtime is not None else worker_runtime()
    if runtime.notice:
        progress.warning(runtime.notice)
    idle = runtime.idle if name in REUSABLE else 0.0
    worker = _take_worker(runtime) if idle > 0 else None
    if worker is None:
        worker = _Worker(runtime, idle)
    else:
        worker.stderr_tail.clear()  # the messages of this job only
    proc = worker.proc
    outcome: dict | None = None
    canceled_at = None
    try:
        try:
            proc.stdin.write(job + "\n")
            proc.stdin.flush()
        except OSError:  # the worker died before reading its job: reported below, with its messages
            pass
        while outcome is None:
            if canceled_at is None and progress.is_canceled():
                canceled_at = time.monotonic()
                _send(proc, "cancel")
            if canceled_at is not None and time.monotonic() - canceled_at > CANCEL_GRACE:
                proc.kill()
            try:
                line = worker.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                worker.stderr_tail.append(line.rstrip())
                continue
            if "event" in message:
                progress.emit(Event.from_dict(message["event"]))
            else:
                outcome = message
    finally:
        if idle > 0 and outcome is not None and canceled_at is None and proc.poll() is None:
            worker.last_used = time.monotonic()
            with _IDLE_LOCK:
                _IDLE.append(worker)
        else:
            worker.close()
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
    tail = "\n".join(list(worker.stderr_tail)[-12:])
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


def _run_job(job: dict, progress: _StreamProgress) -> int:
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


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: ``python -m deepfeature.core.worker [--idle SECONDS]``: runs the jobs read
    from stdin one after the other until its input ends, or until it has waited ``--idle`` seconds (> 0)
    for the next job."""
    argv = sys.argv[1:] if argv is None else argv
    idle = float(argv[argv.index("--idle") + 1]) if "--idle" in argv else 0.0
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # anything else printed (libraries, C code) goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    jobs: queue.Queue = queue.Queue()
    current: list[_StreamProgress | None] = [None]
    lock, cancel_next = threading.Lock(), threading.Event()  # a cancel that came before its job started

    def cancel() -> None:
        with lock:
            if current[0] is not None:
                current[0].canceled.set()
            else:
                cancel_next.set()

    def listen() -> None:
        for line in sys.stdin:
            text = line.strip()
            if text == "cancel":
                cancel()
            elif text:
                jobs.put(text)
        cancel()  # the parent closed our input (or went away): stop as soon as possible
        jobs.put(None)

    threading.Thread(target=listen, daemon=True).start()
    status = 0
    while True:
        try:
            text = jobs.get(timeout=idle if idle > 0 else None)
        except queue.Empty:  # idle too long: end, freeing memory
            return status
        if text is None:
            return status
        progress = _StreamProgress(protocol)
        with lock:
            current[0] = progress
            if cancel_next.is_set():
                progress.canceled.set()
                cancel_next.clear()
        status = _run_job(json.loads(text), progress)
        with lock:
            current[0] = None


if __name__ == "__main__":
    sys.exit(main())
