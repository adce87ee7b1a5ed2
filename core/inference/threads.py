"""What the threads of the classification pipeline share: the thread switch interval, the stop signal,
queue helpers that give up when stopped, and the per-stage timing."""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass

#: Python's thread switch interval (seconds) while classifying (``DEEPFEATURE_SWITCH_INTERVAL``
#: overrides it). Each large NumPy or GDAL call releases the GIL and must take it back afterwards; with
#: Python's default (5 ms) a thread that wants it back waits up to 5 ms whenever another thread runs
#: Python code, so the threads of the pipeline stall each other.
SWITCH_INTERVAL = 0.0005

_SWITCH_LOCK = threading.Lock()
_SWITCH_STATE = {"users": 0, "saved": 0.005}


def _switch_seconds(default: float) -> float:
    """``DEEPFEATURE_SWITCH_INTERVAL`` (seconds, > 0) or ``default``."""
    try:
        value = float(os.environ.get("DEEPFEATURE_SWITCH_INTERVAL", default))
    except ValueError:
        return default
    return value if value > 0 else default


@contextlib.contextmanager
def switch_interval(seconds: float):
    """Shorten Python's thread switch interval to ``seconds`` (``DEEPFEATURE_SWITCH_INTERVAL`` overrides
    it) for the block, never lengthening it; overlapping blocks (classifications running at once in one
    process) restore the process's own interval when the last one ends."""
    with _SWITCH_LOCK:
        if _SWITCH_STATE["users"] == 0:
            _SWITCH_STATE["saved"] = sys.getswitchinterval()
        _SWITCH_STATE["users"] += 1
        sys.setswitchinterval(min(_SWITCH_STATE["saved"], _switch_seconds(seconds)))
    try:
        yield
    finally:
        with _SWITCH_LOCK:
            _SWITCH_STATE["users"] -= 1
            if _SWITCH_STATE["users"] == 0:
                sys.setswitchinterval(_SWITCH_STATE["saved"])


class StoppedError(Exception):
    """The pipeline was stopped (cancel or error elsewhere)."""


class Stats:
    """Wall and CPU seconds spent per pipeline stage, summed over the threads that run it (the CPU
    time of a thread excludes waiting; GDAL's own compression threads are not counted)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wall: dict[str, float] = collections.defaultdict(float)
        self.cpu: dict[str, float] = collections.defaultdict(float)

    @contextlib.contextmanager
    def stage(self, name: str):
        """Count the block's wall and CPU seconds for stage ``name``."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            with self.lock:
                self.wall[name] += wall
                self.cpu[name] += cpu

    def summary(self) -> dict:
        """``{stage: {"wall": seconds, "cpu": seconds}}``."""
        return {name: {"wall": self.wall[name], "cpu": self.cpu[name]} for name in sorted(self.wall)}


def put(q: queue.Queue, item, stop: threading.Event) -> None:
    """``q.put(item)``, unless ``stop`` is set first (:class:`StoppedError`)."""
    while True:
        if stop.is_set():
            raise StoppedError
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def get(q: queue.Queue, stop: threading.Event):
    """``q.get()``, unless ``stop`` is set first (:class:`StoppedError`)."""
    while True:
        if stop.is_set():
            raise StoppedError
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue


@dataclass
class Pipeline:
    """The queues of one panel's threads: empty batch buffers (``free_q``), full batches for the model
    (``in_q``), the model's results and the feeder's end or error messages (``out_q``); the stop
    signal, the stage timing and the number of inference threads."""

    free_q: queue.Queue
    in_q: queue.Queue
    out_q: queue.Queue
    stop: threading.Event
    stats: Stats
    n_workers: int = 1

    def fail(self, exc: BaseException) -> None:
        """Stop the pipeline and hand ``exc`` to the consumer."""
        self.stop.set()
        with contextlib.suppress(queue.Full):
            self.out_q.put(("error", exc), timeout=5)
