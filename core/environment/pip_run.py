"""Run pip as a child process: its output goes to the set-up log, its progress to a Progress, and a
cancel stops it."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from ..errors import CanceledError, DependencyError
from ..progress import Progress
from .bootstrap import clean_environ

_COLLECTING = re.compile(r"^(Collecting|Processing|Using cached|Downloading|Obtaining)\b")
_RAW = re.compile(r"^Progress (\d+) of (\d+)")


class PipProgress:
    """Turns pip's output into fractions: each package collected moves the bar by ``1/expected``, and
    the bytes of the file being downloaded (``--progress-bar raw``) move it within that step."""

    def __init__(self, progress: Progress, expected: int):
        self.progress, self.expected = progress, max(1, expected)
        self.collected = 0
        self.names: list[str] = []

    def line(self, text: str) -> None:
        text = text.strip()
        raw = _RAW.match(text)
        if raw:
            done, total = int(raw.group(1)), max(1, int(raw.group(2)))
            self._report(max(0, self.collected - 1) + done / total)
            return
        if text.startswith("Collecting ") or text.startswith("Processing "):
            self.collected += 1
            self.names.append(text.split(" ", 1)[1])
            self._report(self.collected - 1)
            if self.collected % 10 == 1:
                self.progress.info(
                    "Collecting packages ({} of about {})…".format(self.collected, self.expected)
                )
        elif text.startswith("Downloading ") and "(" in text:
            self.progress.info(text)
        elif text.startswith("Installing collected packages"):
            self._report(self.expected)
            self.progress.info(
                "Installing {} packages (this takes a while for the large ones)…".format(
                    self.collected or self.expected
                )
            )

    def _report(self, done: float) -> None:
        self.progress.progress(min(1.0, done / self.expected))


def run_pip(command: list[str], log: IO[str], progress: Progress, on_line=None, what: str = "pip") -> None:
    """Run ``command``; each output line goes to ``log`` and ``on_line``. Cancel kills it (raises
    :class:`CanceledError`); a failure raises :class:`DependencyError` with pip's last error lines."""
    log.write("$ {}\n".format(" ".join(command)))
    log.flush()
    proc = subprocess.Popen(  # nosec B603 - a fixed argument list, no shell
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        env=clean_environ(),
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )
    tail: list[str] = []

    def pump() -> None:
        for line in iter(proc.stdout.readline, ""):
            if not _RAW.match(line):
                log.write(line)
            tail.append(line.rstrip())
            del tail[:-30]
            if on_line is not None:
                on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    while proc.poll() is None:
        if progress.is_canceled():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
            log.write("[canceled by the user]\n")
            raise CanceledError("Canceled by the user while running {}.".format(what))
        time.sleep(0.1)
    reader.join(timeout=10)
    log.flush()
    if proc.returncode != 0:
        errors = [t for t in tail if t.startswith(("ERROR", "error")) or "No matching distribution" in t]
        raise DependencyError(
            "{} failed (exit code {}): {}".format(
                what, proc.returncode, " ".join(errors[-3:] or tail[-3:]) or "see the log"
            )
        )


def write_requirements(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
