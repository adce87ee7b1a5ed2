"""Read a PyTorch state dict (``.pth``/``.pt``) as numpy arrays without executing pickled code.

A PyTorch checkpoint is a pickle: unpickling it with :mod:`pickle` (or with ``torch.load`` before its
``weights_only`` mode) may run any code the file names. This reader runs none: its unpickler resolves
only the few names a plain state dict needs (an ordered dict, the tensor rebuild function, the storage
types) and refuses every other one, and the tensors are built from the raw storage bytes with numpy. Both
of PyTorch's layouts are read: the legacy stream (``torch.save`` before 1.6, or with
``_use_new_zipfile_serialization=False``) and the zip archive (``data.pkl`` + ``data/<key>``).
"""

from __future__ import annotations

import collections
import io
import os
import pickle  # nosec B403 - restricted Unpickler below: only tensors, storages and dicts are resolved
import struct
import zipfile
from typing import Any, BinaryIO

import numpy as np

from ..errors import ModelFileError

#: The magic number that starts the legacy stream.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
#: Storage types a state dict may hold, and their numpy dtypes.
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": None, "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _Storage:
    """A storage named by the pickle; its bytes are filled in when the stream or archive gives them."""

    def __init__(self, kind: str, key: str, count: int):
        dtype = _STORAGE_DTYPES[kind]
        if dtype is None:
            raise ModelFileError("bfloat16 tensors are not supported; save the weights as float32.")
        self.dtype = np.dtype(dtype)
        self.key = key
        self.count = int(count)
        self.array: np.ndarray | None = None


class _Tensor:
    """A tensor view of a storage (offset, shape and strides in elements), built once the bytes are read."""

    def __init__(self, storage: _Storage, offset: int, shape, stride):
        self.storage, self.offset = storage, int(offset)
        self.shape, self.stride = tuple(int(s) for s in shape), tuple(int(s) for s in stride)

    def numpy(self) -> np.ndarray:
        data = self.storage.array
        if data is None:
            raise ModelFileError("The weights file names a tensor whose data is missing: it is damaged.")
        if not self.shape:
            return np.array(data[self.offset])
        needed = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride)) + 1
        if min(self.shape) > 0 and needed > data.size:
            raise ModelFileError("The weights file is damaged: a tensor reaches past its data.")
        itemsize = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.shape, strides=tuple(s * itemsize for s in self.stride))
        return np.array(view)


def _rebuild_tensor(storage, offset, shape, stride, *_ignored) -> _Tensor:
    if not isinstance(storage, _Storage):
        raise ModelFileError("The weights file is damaged: a tensor without storage.")
    return _Tensor(storage, offset, shape, stride)


def _rebuild_parameter(tensor, *_ignored):
    return tensor


class _StateDictUnpickler(pickle.Unpickler):  # nosec B301 - find_class allows no callable but the above
    """Resolves only what a state dict holds; any other global is refused (nothing is ever called)."""

    _ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }

    def __init__(self, file: BinaryIO, storages: dict[str, _Storage], where: str):
        super().__init__(file)
        self.storages = storages
        self.where = where

    def find_class(self, module: str, name: str):
        if module == "torch" and name in _STORAGE_DTYPES:
            return name  # only ever used as the storage type in a persistent id
        allowed = self._ALLOWED.get((module, name))
        if allowed is None:
            raise ModelFileError(
                "The weights file '{}' holds '{}.{}', which is not a tensor: it is refused (only plain "
                "PyTorch state dicts are read, and no code in them is ever run).".format(
                    self.where, module, name))
        return allowed

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and pid[1] in _STORAGE_DTYPES):
            raise ModelFileError("The weights file '{}' names an unknown object; it is refused.".format(
                self.where))
        key = str(pid[2])
        if key not in self.storages:
            self.storages[key] = _Storage(pid[1], key, pid[4])
        return self.storages[key]


def _load(file: BinaryIO, storages: dict, where: str) -> Any:
    try:
        return _StateDictUnpickler(file, storages, where).load()
    except ModelFileError:
        raise
    except Exception as exc:  # a damaged pickle can raise nearly anything
        raise ModelFileError("The weights file '{}' is damaged or not a PyTorch file ({}).".format(
            where, exc)) from exc


def _read_legacy(file: BinaryIO, where: str) -> Any:
    storages: dict[str, _Storage] = {}
    if _load(file, storages, where) != _LEGACY_MAGIC:
        raise ModelFileError("'{}' is not a PyTorch weights file.".format(where))
    _load(file, storages, where)  # protocol version
    info = _load(file, storages, where)
    if isinstance(info, dict) and not info.get("little_endian", True):
        raise ModelFileError("The weights file '{}' is big-endian, which is not supported.".format(where))
    obj = _load(file, storages, where)
    keys = _load(file, storages, where)
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise ModelFileError("The weights file '{}' is damaged (unknown storage).".format(where))
        header = file.read(8)
        if len(header) != 8:
            raise ModelFileError("The weights file '{}' is truncated.".format(where))
        (count,) = struct.unpack("<q", header)
        nbytes = count * storage.dtype.itemsize
        data = file.read(nbytes)
        if len(data) != nbytes or count != storage.count:
            raise ModelFileError("The weights file '{}' is truncated or damaged.".format(where))
        storage.array = np.frombuffer(data, dtype=storage.dtype)
    return obj


def _read_zip(path: str, where: str) -> Any:
    storages: dict[str, _Storage] = {}
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise ModelFileError("'{}' is a zip file but not a PyTorch weights file.".format(where))
        prefix = pkl[:-len("data.pkl")]
        obj = _load(io.BytesIO(zf.read(pkl)), storages, where)
        for key, storage in storages.items():
            member = "{}data/{}".format(prefix, key)
            if member not in names:
                raise ModelFileError("The weights file '{}' is damaged (missing {}).".format(where, member))
            data = zf.read(member)
            count = len(data) // storage.dtype.itemsize
            storage.array = np.frombuffer(data, dtype=storage.dtype, count=count)
    return obj


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The tensors of a PyTorch state dict file as ``{name: numpy array}``, in file order.

    Raises :class:`ModelFileError` for a missing, damaged or non-tensor file (anything but an ordered
    dict of tensors is refused before any of it is used)."""
    where = str(path)
    if not os.path.isfile(where):
        raise ModelFileError("The weights file '{}' does not exist.".format(where))
    try:
        if zipfile.is_zipfile(where):
            obj = _read_zip(where, where)
        else:
            with open(where, "rb") as file:
                obj = _read_legacy(file, where)
    except OSError as exc:
        raise ModelFileError("Cannot read the weights file '{}': {}.".format(where, exc)) from exc
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, (_Tensor, int)) for v in obj.values()):
        raise ModelFileError("The weights file '{}' is not a state dict of tensors.".format(where))
    return {str(k): v.numpy() for k, v in obj.items() if isinstance(v, _Tensor)}
