"""Plain values kept in the database for grouping to read back fast (``report_records``,
``event_choices``): a ``marshal`` of strings, numbers, bytes, tuples and dicts, sealed with
its CRC-32; and vocabularies' weights as the bytes of 64-bit floats (those records, and the
groups' stored states in ``event_state``).

``marshal`` reads such values back several times faster than JSON, but it trusts the
lengths it reads: one damaged byte in a tuple's length had it allocate gigabytes and take
50 s over one record. So each record carries the CRC-32 of its bytes, checked before they
are read: a damaged record is refused at once, and what it kept is worked out again.
"""

from __future__ import annotations

import array
import marshal
import sys
import zlib
from collections.abc import Iterable
from typing import Any

MARSHAL_VERSION = 4
"""marshal's format version, fixed: every Python since 3.4 reads and writes it."""
_CRC_BYTES = 4


def dumps(value: tuple[Any, ...]) -> bytes:
    """The record of a tuple of plain values: its marshal's CRC-32 (4 bytes, little-endian),
    then its marshal."""
    data = marshal.dumps(value, MARSHAL_VERSION)
    return zlib.crc32(data).to_bytes(_CRC_BYTES, "little") + data


def loads(record: object) -> object | None:
    """The value ``dumps`` kept, or None when the record is none of its (text, or damaged:
    its CRC-32 does not match, or it does not read)."""
    if not isinstance(record, bytes) or len(record) <= _CRC_BYTES:
        return None
    data = record[_CRC_BYTES:]
    if zlib.crc32(data) != int.from_bytes(record[:_CRC_BYTES], "little"):
        return None
    try:
        value: object = marshal.loads(data)
        return value
    except (EOFError, ValueError, TypeError):
        return None


def float_bytes(values: Iterable[float]) -> bytes:
    """The values as the bytes of 64-bit floats, little-endian: the same floats exactly."""
    floats = array.array("d", values)
    if sys.byteorder != "little":
        floats.byteswap()
    return floats.tobytes()


def floats(weights: bytes) -> array.array[float]:
    """The values ``float_bytes`` kept."""
    found = array.array("d")
    found.frombytes(weights)
    if sys.byteorder != "little":
        found.byteswap()
    return found


def vocabulary(words: Iterable[str], weights: bytes) -> dict[str, float]:
    """Words with their weights as ``float_bytes`` kept them, in the same order.
    (Interned, as a report's words are: see ``event_features._terms_of``.)"""
    return dict(zip(map(sys.intern, words), floats(weights), strict=True))
