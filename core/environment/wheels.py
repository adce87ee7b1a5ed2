"""Prepare a folder of wheels on a connected machine, for a set-up on a machine without internet.

    python3 -m deepfeature.core.environment.wheels FOLDER [--backend tensorflow|jax|torch]
        [--device cpu|gpu] [--platform PIP_PLATFORM --python-version 3.11]

(run from the folder that holds the ``deepfeature`` plugin folder, for example QGIS's ``python/plugins``).
The machine needs no pip: pip runs from its own wheel, downloaded first. ``--platform`` and
``--python-version`` prepare wheels for another system (for example ``win_amd64`` and ``3.12`` for QGIS
on Windows); then give the folder to 'Set Up Deep-Learning Environment' as its wheel folder. Run it with
a Python of the target's version: pip evaluates the ``python_version`` markers of constraints.txt with
the Python that runs it, not the ``--python-version`` given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ..progress import CallbackProgress, Event, Progress, ensure
from .bootstrap import download_pip_wheel, pip_command
from .pip_run import PipProgress, run_pip, write_requirements
from .requirements import (
    BACKENDS,
    CONSTRAINTS,
    EnvironmentSpec,
    pinned_version,
    pip_index_options,
    runtime_requirements,
)


def prepare_wheels(
    folder: str | Path,
    backend: str = BACKENDS[0],
    device: str = "cpu",
    target_platform: str = "",
    python_version: str = "",
    python: str = sys.executable,
    progress: Progress | None = None,
) -> Path:
    """Download into ``folder`` every wheel an environment of ``backend`` for ``device`` needs, and pip's."""
    progress = ensure(progress)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    platform = target_platform or sys.platform
    if target_platform.startswith("win"):
        platform = "win32"
    elif target_platform.startswith("macosx"):
        platform = "darwin"
    spec = EnvironmentSpec(backend, device)
    pip_wheel = download_pip_wheel(folder)
    cross = ["--only-binary", ":all:"]  # an offline machine may have no compiler: wheels only
    if target_platform:
        cross += ["--platform", target_platform]
    if python_version:
        cross += ["--python-version", python_version]
    with (
        tempfile.TemporaryDirectory() as tmp,
        open(folder / "prepare-wheels.log", "w", encoding="utf-8") as log,
    ):
        requirements = write_requirements(
            Path(tmp) / "requirements.txt", runtime_requirements(spec, platform)
        )
        counter = PipProgress(progress, 45)
        run_pip(
            pip_command(Path(python), pip_wheel)
            + [
                "download",
                "--no-input",
                "--disable-pip-version-check",
                "--progress-bar",
                "raw",
                "-d",
                str(folder),
                "-r",
                str(requirements),
                "-c",
                str(CONSTRAINTS),
                *pip_index_options(spec, platform),
                *cross,
                "pip=={}".format(pinned_version("pip")),
            ],
            log,
            progress,
            on_line=counter.line,
            what="pip download",
        )
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--backend", choices=BACKENDS, default=BACKENDS[0])
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument(
        "--platform", default="", help="pip platform tag (e.g. manylinux2014_x86_64, win_amd64)"
    )
    parser.add_argument("--python-version", default="", help="e.g. 3.12")
    args = parser.parse_args(argv)

    def show(event: Event) -> None:
        if event.text:
            print(event.text, flush=True)

    folder = prepare_wheels(
        args.folder,
        args.backend,
        args.device,
        args.platform,
        args.python_version,
        progress=CallbackProgress(show),
    )
    print("Wheels ready in {} ({} files).".format(folder, len(list(folder.glob("*.whl")))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
