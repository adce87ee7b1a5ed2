"""One small progress / log / cancel protocol for the whole engine.

Core functions accept a ``progress`` argument (any :class:`Progress`). Everything they report is an
:class:`Event`, a frozen dataclass of plain values, so that events can be serialised (``to_dict``) and
sent across a process boundary. The QGIS side adapts ``QgsProcessingFeedback`` to this protocol.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Callable

from .errors import CanceledError

#: Event kinds.
PROGRESS = "progress"
INFO = "info"
WARNING = "warning"
DEBUG = "debug"


@dataclass(frozen=True)
class Event:
    """One report from the engine: a progress fraction (0..1) or a message."""

    kind: str
    fraction: float | None = None
    text: str = ""

    def to_dict(self) -> dict:
        """Plain-dict form (JSON-serialisable)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Event:
        """Inverse of :meth:`to_dict`."""
        return cls(kind=data["kind"], fraction=data.get("fraction"), text=data.get("text", ""))


class Progress:
    """Base progress reporter. Subclasses override :meth:`emit` and :meth:`is_canceled`.

    ``sub(start, end)`` returns a reporter that maps its own 0..1 range onto ``start..end`` of this one,
    like ``QgsProcessingMultiStepFeedback``.
    """

    def emit(self, event: Event) -> None:
        """Receive one event. The default drops it."""

    def is_canceled(self) -> bool:
        """True once the user asked to stop."""
        return False

    # Convenience API used by the engine -------------------------------------------------------
    def progress(self, fraction: float) -> None:
        """Report overall completion in 0..1."""
        self.emit(Event(PROGRESS, fraction=float(min(max(fraction, 0.0), 1.0))))

    def info(self, text: str) -> None:
        """Report a line for the log."""
        self.emit(Event(INFO, text=text))

    def warning(self, text: str) -> None:
        """Report something the user should know about."""
        self.emit(Event(WARNING, text=text))

    def debug(self, text: str) -> None:
        """Report a detail for developers."""
        self.emit(Event(DEBUG, text=text))

    def check(self) -> None:
        """Raise :class:`CanceledError` if the user canceled."""
        if self.is_canceled():
            raise CanceledError("Canceled by the user.")

    def sub(self, start: float, end: float) -> Progress:
        """A reporter for a sub-range of this one."""
        return _SubProgress(self, start, end)


class _SubProgress(Progress):
    def __init__(self, parent: Progress, start: float, end: float):
        self._parent, self._start, self._span = parent, start, end - start

    def emit(self, event: Event) -> None:
        if event.kind == PROGRESS and event.fraction is not None:
            event = Event(PROGRESS, fraction=self._start + self._span * event.fraction)
        self._parent.emit(event)

    def is_canceled(self) -> bool:
        return self._parent.is_canceled()


class NullProgress(Progress):
    """Reports nothing and is never canceled."""


class CallbackProgress(Progress):
    """Forwards each event to ``callback``; ``canceled`` (optional) is polled for cancellation."""

    def __init__(
        self,
        callback: Callable[[Event], None] | None = None,
        canceled: Callable[[], bool] | None = None,
    ):
        self._callback = callback
        self._canceled = canceled

    def emit(self, event: Event) -> None:
        if self._callback is not None:
            self._callback(event)

    def is_canceled(self) -> bool:
        return bool(self._canceled()) if self._canceled is not None else False


class RecordingProgress(Progress):
    """Keeps every event (for tests and for replaying in another process).

    ``cancel_after`` cancels once that many progress events were received; ``cancel()`` cancels now.
    """

    def __init__(self, cancel_after: int | None = None):
        self.events: list[Event] = []
        self._cancel = threading.Event()
        self._cancel_after = cancel_after

    def emit(self, event: Event) -> None:
        self.events.append(event)
        if self._cancel_after is not None and len(self.fractions) >= self._cancel_after:
            self._cancel.set()

    def cancel(self) -> None:
        """Ask the engine to stop."""
        self._cancel.set()

    def is_canceled(self) -> bool:
        return self._cancel.is_set()

    @property
    def fractions(self) -> list[float]:
        """All progress fractions reported so far."""
        return [e.fraction for e in self.events if e.kind == PROGRESS and e.fraction is not None]

    @property
    def messages(self) -> list[str]:
        """All texts reported so far (info, warning, debug)."""
        return [e.text for e in self.events if e.kind != PROGRESS]

    @property
    def warnings(self) -> list[str]:
        """The warnings reported so far."""
        return [e.text for e in self.events if e.kind == WARNING]


def count(n: int, singular: str, plural: str = "") -> str:
    """``n`` and the noun in the right number for a message: '1 class', '3 classes', '2 tiles'."""
    return "{} {}".format(n, singular if n == 1 else plural or singular + "s")


def ensure(progress: Progress | None) -> Progress:
    """``progress`` or a :class:`NullProgress`."""
    return progress if progress is not None else NullProgress()
