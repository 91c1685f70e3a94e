"""Lists of strings in .npz files (which hold only arrays): one UTF-8 byte array, items joined by a separator.

Paper ids, digests and vocabulary terms never hold the separator (ASCII record separator).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

SEPARATOR = "\x1e"


def strings_to_array(items: Sequence[str]) -> np.ndarray:
    """Return `items` as one uint8 array."""
    return np.frombuffer(SEPARATOR.join(items).encode("utf-8"), dtype=np.uint8)


def array_to_strings(array: np.ndarray) -> list[str]:
    """Return the strings of an array made by `strings_to_array`."""
    text = bytes(array).decode("utf-8")
    return text.split(SEPARATOR) if text else []
