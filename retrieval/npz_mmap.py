"""Index files opened without being read: the arrays of an .npz mapped from the file, each page read when touched.

`np.savez` writes a zip whose members are stored as they are (no compression), so each
member's .npy data lies whole in the file, after the member's zip header and its .npy
header. Mapping the file once and viewing each member in place means a start reads only
headers; a query then reads the pages of the postings and vectors it touches, where
`np.load` read every index file whole at every start.

`save_aligned_npz` writes such a file with each member's data on a 64-byte boundary (padding in
the zip header's extra field, which zip readers skip), so the mapped arrays are aligned: numpy
hands unaligned float arrays to slow loops instead of BLAS. A file `np.savez` wrote, unaligned,
is still read, its unaligned members copied into memory.

The index files are only ever replaced whole (written aside, then renamed over), so a
mapping keeps the file it was made from, unchanged, for as long as its arrays live. The
arrays are read-only: code that derives an index makes new arrays, never writes in place.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then file name and extra field lengths
# numpy pads an .npy header so the data starts at a multiple of this from the member's start.
ALIGN = 64
# An extra-field id no zip tool assigns a meaning to; its body is the padding.
_PADDING_ID = 0x5053
_ZIP64_EXTRA = 20  # the zip64 sizes zipfile appends to a local header: id, length, two 8-byte sizes


def save_aligned_npz(handle: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` to `handle` as a stored .npz (np.load reads it) whose array data is 64-byte aligned."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            array = np.asanyarray(array)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            # zipfile adds zip64 sizes to the header of a member it expects near 4 GiB; decide it here so
            # the header's length, and so the padding, is known before it is written.
            zip64 = array.nbytes + 4096 > zipfile.ZIP64_LIMIT / 1.05
            header = _LOCAL_HEADER.size + len(info.filename.encode("utf-8")) + 4 + (_ZIP64_EXTRA if zip64 else 0)
            pad = -(handle.tell() + header) % ALIGN
            info.extra = struct.pack("<HH", _PADDING_ID, pad) + bytes(pad)
            with archive.open(info, "w", force_zip64=zip64) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def mapped_npz(path: Path) -> dict[str, np.ndarray]:
    """Return the arrays of the .npz at `path`, by name, as read-only views of the mapped file.

    Raises ValueError (or zipfile.BadZipFile, OSError) for a file that is not a stored .npz of
    plain arrays, as a damaged or foreign file would be.
    """
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            raise ValueError("empty file")
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise ValueError(f"{info.filename} is not a stored .npy member")
            arrays[info.filename[:-4]] = _member(mapped, info)
    return arrays


def _member(mapped: mmap.mmap, info: zipfile.ZipInfo) -> np.ndarray:
    at = info.header_offset
    signature, name_len, extra_len = _LOCAL_HEADER.unpack_from(mapped, at)
    if signature != b"PK\x03\x04":
        raise ValueError(f"{info.filename}: no zip member header")
    start = at + _LOCAL_HEADER.size + name_len + extra_len
    view = _Reader(mapped, start)
    version = np.lib.format.read_magic(view)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(view)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(view)
    if dtype.hasobject:
        raise ValueError(f"{info.filename} holds Python objects")
    count = int(np.prod(shape, dtype=np.int64))
    if view.at + count * dtype.itemsize > start + info.file_size:
        raise ValueError(f"{info.filename} is shorter than its header says")
    array = np.frombuffer(mapped, dtype=dtype, count=count, offset=view.at).reshape(shape, order="F" if fortran else "C")
    if not array.flags.aligned:
        # A file np.savez wrote (unaligned members): an unaligned float array loses BLAS (the exact
        # product with 87k vectors took 175 ms instead of 6), so such a member is read into memory.
        array = np.array(array)
        array.flags.writeable = False
    return array


class _Reader:
    """The file-like `read` numpy's header readers need, over the mapping from an offset."""

    def __init__(self, mapped: mmap.mmap, at: int) -> None:
        self.mapped, self.at = mapped, at

    def read(self, n: int) -> bytes:
        out = self.mapped[self.at:self.at + n]
        self.at += len(out)
        return out
