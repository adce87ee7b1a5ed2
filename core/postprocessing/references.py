"""The two sides of an evaluation, read by strips of rows on the prediction grid: the prediction (an
activation raster, thresholded, or a classification raster) and the reference (a label raster's mask
band, placed or warped onto the prediction grid, or vector shapes rasterized on it)."""

from __future__ import annotations

import math

from ..activation_format import CLASS_NODATA, class_names_from_tags, read_activation_info
from ..class_table import ClassTable
from ..errors import LabelError, RasterError
from ..files import require_file
from ..label_format import format_classes, read_info
from ..progress import ensure
from .activation_strips import classify_block, read_activation_strip


class Prediction:
    """Reads class ids from an activation (thresholded) or a classification raster, by strips."""

    def __init__(self, path, threshold: float):
        import rasterio

        require_file(path, "prediction raster")
        try:
            with rasterio.open(path) as src:
                self.dtype = src.dtypes[0]
                self.count, self.width, self.height = src.count, src.width, src.height
                self.transform, self.crs, self.nodata = src.transform, src.crs, src.nodata
                tags = src.tags()
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError("Cannot open the raster '{}': {}".format(path, exc)) from exc
        self.path, self.threshold = str(path), threshold
        self.activation = self.dtype.startswith("float")
        if self.activation:
            self.info = read_activation_info(path)
            self.classes = dict(self.info.classes)
        else:
            if self.count != 1:
                raise RasterError(
                    "The classification raster '{}' has {} bands; it should have one band of class ids. "
                    "Use the output of 'Activation to Classification' or an activation raster.".format(
                        path, self.count)
                )
            self.classes = class_names_from_tags(tags)

    def read(self, src, r0: int, r1: int):
        """Class ids (uint8, ``CLASS_NODATA`` where not valid) of rows ``r0..r1``."""
        import numpy as np
        from rasterio.windows import Window

        if self.activation:
            data, valid = read_activation_strip(src, self.info, r0, r1)
            cls, _ = classify_block(data, valid, self.threshold, self.info.class_ids)
            return cls
        data = src.read(1, window=Window(0, r0, self.width, r1 - r0))
        bad = (data < 0) | (data >= CLASS_NODATA)
        if self.nodata is not None:
            bad |= data == self.nodata
        out = data.astype(np.int64).clip(0, CLASS_NODATA).astype(np.uint8)
        out[bad] = CLASS_NODATA
        return out


class Reference:
    """Reads reference class ids on the prediction grid (``ignore`` where unknown), by strips."""

    def __init__(self, pred: Prediction, path=None, shapes=None, classes=None, progress=None):
        progress = ensure(progress)
        self.pred = pred
        self.vrt = self.src = None
        if path:
            self._open_label_raster(path, progress)
        else:
            self._rasterize_shapes(shapes, classes)

    def _open_label_raster(self, path, progress) -> None:
        """Open the label raster ``path``: read on the prediction grid at an offset, or warped onto it."""
        import rasterio

        pred = self.pred
        info = read_info(path)
        self.path, self.band, self.ignore = str(path), info.mask_band, int(info.ignore_value)
        self.classes = dict(info.classes)
        self.src = rasterio.open(path)
        same_crs = (self.src.crs == pred.crs) or (not self.src.crs and not pred.crs)
        inv = ~self.src.transform
        col, row = inv * (pred.transform.c, pred.transform.f)
        same_res = all(
            math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
            for a, b in zip(tuple(self.src.transform)[:2] + tuple(self.src.transform)[3:5],
                            tuple(pred.transform)[:2] + tuple(pred.transform)[3:5])
        )
        aligned = same_res and abs(col - round(col)) < 1e-3 and abs(row - round(row)) < 1e-3
        if aligned and not same_crs and not (self.src.crs and pred.crs):
            same_crs = True  # one has no CRS but both lie on the same grid: the same place
            progress.warning(
                "The {} has no CRS; it lies on the grid of the {}, so both are taken to show the same "
                "place.".format(*(("prediction", "reference") if not pred.crs else ("reference",
                                                                                    "prediction")))
            )
        if same_crs and aligned:
            self.offset = (int(round(col)), int(round(row)))
        else:
            self._warp(path)
        self.shapes = None

    def _warp(self, path) -> None:
        """Read the label raster through a ``WarpedVRT`` on the prediction grid (nearest neighbour)."""
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        pred = self.pred
        if not pred.crs or not self.src.crs:
            raise LabelError(
                "The reference '{}' and the prediction are not on the same grid and {} no CRS, so "
                "one cannot be placed on the other. Assign the right CRS to both rasters "
                "(Raster > Projections > Assign Projection).".format(
                    path, "neither has a" if not (pred.crs or self.src.crs) else "one of them has")
            )
        self.vrt = WarpedVRT(
            self.src, crs=pred.crs, transform=pred.transform, width=pred.width,
            height=pred.height, resampling=Resampling.nearest, src_nodata=None, nodata=self.ignore,
        )
        self.offset = (0, 0)

    def _rasterize_shapes(self, shapes, classes) -> None:
        """Take ``(wkb, class)`` shapes (queried per strip through an STRtree)."""
        from shapely import STRtree, from_wkb

        self.path, self.ignore = "vector layer", CLASS_NODATA
        self.classes = dict(classes or {})
        geoms = [from_wkb(bytes(w)) for w, _ in shapes]
        self._by_name = ClassTable.from_mapping(self.pred.classes).id_by_name()
        self.values = [self._class_id(v) for _, v in shapes]
        for v in self.values:
            if not 0 <= v <= 255:
                raise LabelError(
                    "Reference class values must be 0–255 (255 = ignore); {} was found. Choose a class "
                    "field with small integer class ids.".format(v)
                )
        self.geoms = geoms
        self.tree = STRtree(geoms) if geoms else None
        self.shapes = shapes

    def _class_id(self, value) -> int:
        """A reference class value as a class id: a number, or a class name of the prediction."""
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(float(text))
            except ValueError:
                pass
            if text.lower() not in self._by_name:
                raise LabelError(
                    "The reference class '{}' is not a class of the prediction ({}). Use a class field "
                    "whose values are the model's class names or class ids.".format(
                        text, format_classes(self.pred.classes))
                )
            cid = self._by_name[text.lower()]
            self.classes.setdefault(cid, self.pred.classes[cid])
            return cid
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise LabelError(
                "The reference class value {!r} is neither a class id nor a class name.".format(value)
            ) from exc

    def close(self) -> None:
        if self.vrt is not None:
            self.vrt.close()
        if self.src is not None:
            self.src.close()

    def read(self, r0: int, r1: int):
        import numpy as np
        from rasterio.windows import Window
        from rasterio.windows import transform as window_transform

        width = self.pred.width
        if self.shapes is not None:
            import rasterio.features
            from shapely.geometry import box

            out = np.zeros((r1 - r0, width), dtype=np.uint8)
            if self.tree is None:
                return out
            win = Window(0, r0, width, r1 - r0)
            transform = window_transform(win, self.pred.transform)
            x0, y1 = transform * (0, 0)
            x1, y0 = transform * (width, r1 - r0)
            hits = self.tree.query(box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
            pairs = [(self.geoms[i], self.values[i]) for i in sorted(hits)]
            if pairs:
                rasterio.features.rasterize(pairs, out=out, transform=transform)
            return out
        if self.vrt is not None:
            return self.vrt.read(self.band, window=Window(0, r0, width, r1 - r0)).astype(np.uint8)
        col, row = self.offset
        data = self.src.read(
            self.band, window=Window(col, row + r0, width, r1 - r0), boundless=True, fill_value=self.ignore
        )
        return data.astype(np.int64).clip(0, 255).astype(np.uint8)

