"""Run the steps that need more than QGIS ships in a separate Python process (the "worker").

Everything that imports rasterio, shapely, scipy, scikit-image or Keras runs here: the label rasters,
the deep-learning steps, the post-processing and the evaluation (:data:`FUNCTIONS`). QGIS's own Python
needs nothing installed (on Windows and macOS it has only numpy and GDAL's ``osgeo``). TensorFlow and QGIS
also bring different protobuf libraries (importing TensorFlow inside QGIS aborts with "File already exists
in database"), and a worker keeps a crash of the engine from taking QGIS down and frees GPU memory when
done.

Protocol (one JSON object per line):

- parent -> worker, stdin: a job ``{"function": NAME, "args": [...], "kwargs": {...}, "sink": BOOL}``,
  then the word ``cancel`` on a line of its own when the user cancels (end of input cancels too; a
  ``cancel`` that comes before its job cancels that job as soon as it starts);
- worker -> parent, stdout: ``{"event": {...}}`` (a :class:`~deepfeature.core.progress.Event`) and, for a
  job with a sink, ``{"features": [[WKB, ATTRIBUTES], ...]}`` (up to :data:`FEATURE_BATCH` features a
  line, the WKB in base64, in the order the function emitted them), then ``{"result": ...}`` or
  ``{"error": {"class": ..., "message": ..., "traceback": ...}}``.

Feature sinks: a core function that writes features takes ``sink(wkb, attributes)`` (a keyword argument
named ``sink``). A callable cannot cross to the worker, so :func:`run_in_worker` takes it as its own
``sink=`` argument and marks the job; the worker gives the function a proxy that sends the features in
batches, and the parent calls ``sink`` for each of them, in order, before it returns the result. When
the parent's ``sink`` raises, the job is cancelled, the features still arriving are dropped and that
exception is raised once the worker has stopped. The proxy also stops the function as soon as the job
is cancelled (:class:`~.errors.CanceledError`).

A worker runs jobs one after the other until its input ends. Workers of the jobs in :data:`REUSABLE`
(classification, label rasters, post-processing, evaluation) are kept for
:data:`~.environment.WORKER_IDLE` seconds after a job (``DEEPFEATURE_WORKER_IDLE``; 0 = one process per
job) and serve the next reusable job of the same runtime (interpreter and variables): batch mode and
models start at once, a classification with the model already loaded and compiled.
Any other job, a cancelled job or a failed worker gets a process of its own, which ends with the job.

Arguments and results are plain data: dataclasses travel as their fields (``{"__dataclass__": ...}``),
bytes as base64 (``{"__bytes__": ...}``), tuples as lists and dict keys as text; results come back as
attribute-accessible dicts (so an ``{id: name}`` class dict comes back with text keys). A function that
takes no ``progress`` argument is called without one.
"""

from __future__ import annotations

import atexit
import base64
import collections
import dataclasses
import importlib
import inspect
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from typing import Any, Callable

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
    "build_label_raster_from_shapes": "labels:build_label_raster_from_shapes",
    "build_label_raster_from_classification": "labels:build_label_raster_from_classification",
    "activation_to_classification": "postprocessing:activation_to_classification",
    "activation_to_polygons": "postprocessing:activation_to_polygons",
    "activation_to_points": "postprocessing:activation_to_points",
    "evaluate": "postprocessing:evaluate",
    "read_activation_info": "activation_format:read_activation_info",
}
#: Seconds a worker gets to stop by itself after a cancel before it is killed.
CANCEL_GRACE = 60.0
#: Jobs whose worker is kept for the next reusable job (loaded models stay loaded; light jobs in a row,
#: as in batch mode and models, start at once).
REUSABLE = frozenset({
    "classify_raster", "build_label_raster_from_shapes", "build_label_raster_from_classification",
    "activation_to_classification", "activation_to_polygons", "activation_to_points", "evaluate",
    "read_activation_info",
})
#: Features per ``{"features": ...}`` line of a job with a sink.
FEATURE_BATCH = 200
#: Protocol lines the parent holds unread before the worker waits (a slow sink holds the worker back
#: instead of filling the memory).
PENDING_LINES = 64
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
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
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
        if "__bytes__" in value:
            return base64.b64decode(value["__bytes__"])
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
        if "__bytes__" in value:
            return base64.b64decode(value["__bytes__"])
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
            self.proc = subprocess.Popen(  # nosec B603 - a fixed argument list, no shell
                [runtime.python, "-m", PACKAGE + ".core.worker", "--idle", str(idle)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, text=True, encoding="utf-8", bufsize=1, creationflags=flags,
            )
        except OSError as exc:
            hint = SETUP_HINT if runtime.managed else (
                "Check DEEPFEATURE_PYTHON, or unset it to use the managed environment.")
            raise errors.DependencyError(
                "Cannot start the worker process '{}' ({}). {}".format(runtime.python, exc, hint)
            ) from exc
        self.runtime, self.idle, self.last_used = runtime, idle, time.monotonic()
        self.lines: queue.Queue = queue.Queue(maxsize=PENDING_LINES)
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
        """End the process (its input ends: a running job is cancelled) and wait for it; its unread
        output is dropped (a worker waiting for the parent to read gets to its end)."""
        _send(self.proc, None)
        deadline = time.monotonic() + 30
        while True:
            self._drop_lines()
            try:
                self.proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    self.proc.kill()
                    self.proc.wait()
                    break
        deadline = time.monotonic() + 5
        for pump in self.pumps:
            while pump.is_alive() and time.monotonic() < deadline:
                self._drop_lines()
                pump.join(timeout=0.05)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def _drop_lines(self) -> None:
        try:
            while True:
                self.lines.get_nowait()
        except queue.Empty:
            pass


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
                  runtime: WorkerRuntime | None = None, sink: Callable[[bytes, dict], Any] | None = None,
                  **kwargs: Any) -> Any:
    """Run ``FUNCTIONS[name](*args, **kwargs)`` in a worker process and return its result.

    ``runtime``: the interpreter and its variables (:func:`~.environment.worker_runtime` of the default
    folder when not given). Progress events are forwarded to ``progress``; cancelling ``progress`` asks
    the worker to stop (a ``progress`` cancelled already stops the job before it does anything). Core
    errors raised in the worker are raised again here with the same class and message.

    ``sink``: for a function that writes features through its ``sink(wkb, attributes)`` argument; it is
    called here for every feature, in order, before the result returns. An exception it raises stops the
    job and is raised again here once the worker has stopped.
    """
    if name not in FUNCTIONS:
        raise DeepFeatureError("Unknown worker function '{}'.".format(name))
    progress = ensure(progress)
    try:
        job = json.dumps({"function": name, "args": encode(list(args)), "kwargs": encode(kwargs),
                          "sink": sink is not None})
    except (TypeError, ValueError) as exc:  # a value that is not plain data (a QVariant, a date)
        raise errors.ParameterError(
            "The arguments of '{}' cannot be sent to the worker process: {}.".format(name, exc)
        ) from exc
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
    failure: BaseException | None = None  # raised by ``sink``
    try:
        try:
            if progress.is_canceled():  # the cancel goes first: the job stops as soon as it starts
                canceled_at = time.monotonic()
                proc.stdin.write("cancel\n")
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
            elif "features" in message:
                for wkb, attributes in message["features"]:
                    if sink is None or canceled_at is not None:
                        break  # a cancelled job's last features are dropped
                    if progress.is_canceled():
                        canceled_at = time.monotonic()
                        _send(proc, "cancel")
                        break
                    try:
                        sink(base64.b64decode(wkb), decode(attributes))
                    except BaseException as exc:  # stop the job, then raise it again below
                        failure, canceled_at = exc, time.monotonic()
                        _send(proc, "cancel")
            else:
                outcome = message
    finally:
        if idle > 0 and outcome is not None and canceled_at is None and proc.poll() is None:
            worker.last_used = time.monotonic()
            with _IDLE_LOCK:
                _IDLE.append(worker)
        else:
            worker.close()
    if failure is not None:
        raise failure
    if outcome is not None and "result" in outcome:
        return _as_result(outcome["result"])
    if outcome is not None and "error" in outcome:
        error = outcome["error"]
        cls = getattr(errors, error.get("class", ""), None)
        if isinstance(cls, type) and issubclass(cls, DeepFeatureError):
            raise cls(error["message"])
        progress.debug(error.get("traceback", ""))
        raise DeepFeatureError(
            "The worker process failed: {}: {}".format(error.get("class"), error.get("message"))
        )
    if canceled_at is not None:
        raise errors.CanceledError("Canceled by the user; the worker was stopped.")
    tail = "\n".join(list(worker.stderr_tail)[-12:])
    raise DeepFeatureError(
        "The worker process stopped unexpectedly (exit code {}). Its last messages:\n{}".format(
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


class _FeatureStream:
    """The ``sink(wkb, attributes)`` a function gets in the worker: sends the features to the parent in
    batches (see the module's protocol); raises :class:`~.errors.CanceledError` once the job is
    cancelled."""

    def __init__(self, progress: _StreamProgress):
        self._progress, self._batch = progress, []

    def __call__(self, wkb: bytes, attributes: dict) -> None:
        if self._progress.is_canceled():
            raise errors.CanceledError("Canceled by the user.")
        self._batch.append([base64.b64encode(bytes(wkb)).decode("ascii"), encode(attributes)])
        if len(self._batch) >= FEATURE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Send the features not sent yet."""
        if self._batch:
            self._progress.write({"features": self._batch})
            self._batch = []


def _takes_progress(target) -> bool:
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return True
    return "progress" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _run_job(job: dict, progress: _StreamProgress) -> tuple[dict, int]:
    """Run one job; its outcome message (``result`` or ``error``, written by the caller) and status."""
    try:
        module, _, function = FUNCTIONS[job["function"]].partition(":")
        target = getattr(importlib.import_module("{}.core.{}".format(PACKAGE, module)), function)
        kwargs = decode(job["kwargs"])
        if _takes_progress(target):
            kwargs["progress"] = progress
        stream = None
        if job.get("sink"):
            stream = kwargs["sink"] = _FeatureStream(progress)
        result = target(*decode(job["args"]), **kwargs)
        if stream is not None:
            stream.flush()
        return {"result": encode(result)}, 0
    except BaseException as exc:  # reported to the parent, which raises it again
        return {"error": {"class": type(exc).__name__, "message": str(exc),
                          "traceback": traceback.format_exc()}}, 1


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
        outcome, status = _run_job(json.loads(text), progress)
        with lock:  # before the parent hears of the outcome: a cancel for the next job is not lost
            current[0] = None
        try:
            progress.write(outcome)
        except (TypeError, ValueError) as exc:  # a result that is not plain data
            status = 1
            progress.write({"error": {"class": type(exc).__name__, "traceback": "",
                                      "message": "the result cannot be sent back ({})".format(exc)}})


if __name__ == "__main__":
    sys.exit(main())
