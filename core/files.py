"""Safe file handling shared by every output: validation, temporary names, atomic rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Iterator, Sequence

from .errors import OutputError, RasterError

#: Sidecar suffixes GDAL may write next to a raster; they travel with it on rename.
SIDECARS = (".aux.xml", ".ovr", ".msk")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True if the two paths name the same file (existing or not)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(pa)) == os.path.normcase(os.path.realpath(pb))


GEOTIFF_SUFFIXES = (".tif", ".tiff")


def check_output_path(
    path: str | os.PathLike,
    inputs: Sequence[str | os.PathLike] = (),
    what: str = "output",
    geotiff: bool = False,
) -> Path:
    """Validate an output path before any work starts; return it as a Path.

    Refuses an output that is one of the inputs, a folder that does not exist or is not writable and,
    with ``geotiff``, a name that does not end in .tif / .tiff (rasters are written as GeoTIFF).
    """
    if not path:
        raise OutputError("No {} path was given. Choose a file to write.".format(what))
    out = Path(path)
    if geotiff and out.suffix.lower() not in GEOTIFF_SUFFIXES:
        raise OutputError(
            "The {} '{}' is written as a GeoTIFF: give a file name ending in .tif (e.g. '{}').".format(
                what, out, out.with_suffix(".tif").name
            )
        )
    for src in inputs:
        if src and same_file(out, src):
            raise OutputError(
                "The {} '{}' is also an input. Choose another file name: inputs are never "
                "overwritten.".format(what, out)
            )
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            "The folder '{}' for the {} does not exist. Create it or choose another "
            "folder.".format(folder, what)
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            "The folder '{}' for the {} is not writable. Choose a folder you can write "
            "to.".format(folder, what)
        )
    if out.is_dir():
        raise OutputError("The {} '{}' is a folder. Give a file name.".format(what, out))
    return out


def temporary_name(path: str | os.PathLike) -> Path:
    """A unique temporary name in the same folder (so the final rename is atomic)."""
    out = Path(path)
    suffix = "".join(out.suffixes[-1:])
    return out.with_name(".{}.partial-{}{}".format(out.stem, uuid.uuid4().hex[:8], suffix))


def _remove(path: Path) -> None:
    for p in [path] + [Path(str(path) + s) for s in SIDECARS]:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike, inputs: Sequence[str | os.PathLike] = (), what: str = "output",
    geotiff: bool = False,
) -> Iterator[Path]:
    """Yield a temporary path to write; on success rename it (and GDAL sidecars) onto ``path``.

    On any exception (including cancellation) the temporary file is removed and ``path`` is left as
    it was. ``geotiff``: see :func:`check_output_path`.
    """
    out = check_output_path(path, inputs, what, geotiff)
    tmp = temporary_name(out)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError("The {} '{}' was not written.".format(what, out))
        for suffix in SIDECARS:
            side = Path(str(tmp) + suffix)
            target = Path(str(out) + suffix)
            if side.exists():
                os.replace(side, target)
            elif target.exists():
                target.unlink()
        os.replace(tmp, out)
    except BaseException:
        _remove(tmp)
        raise


_UMASK_LOCK = threading.Lock()


def _file_mode() -> int:
    """The mode a newly created file gets (0666 less the umask); ``mkstemp`` would leave 0600."""
    with _UMASK_LOCK:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (temporary file + rename), with the usual permissions."""
    out = Path(path)
    fd, tmp = tempfile.mkstemp(prefix="." + out.name + ".", suffix=".partial", dir=out.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # e.g. a file system without modes
            os.chmod(tmp, _file_mode())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def require_file(path: str | os.PathLike, what: str = "raster") -> Path:
    """Raise :class:`RasterError` if ``path`` is not an existing file."""
    p = Path(path) if path else None
    if p is None or not p.is_file():
        raise RasterError("The {} '{}' does not exist or is not a file.".format(what, path))
    return p


def raster_envelope(src) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` of an open raster in its CRS, from its four corners: right for
    north-up, south-up (positive pixel height) and rotated geotransforms alike (``src.bounds`` is not)."""
    corners = [src.transform * (c, r) for c in (0, src.width) for r in (0, src.height)]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)
