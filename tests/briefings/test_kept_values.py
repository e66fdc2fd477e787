"""Values kept for grouping (``kept_values``): read back as kept, and a damaged record is
refused before it is read."""

from __future__ import annotations

import array
import marshal

from briefings.index import kept_values

VALUE = (
    3,
    ("a person", "another person"),
    ("words", "of", "a", "report", "é"),
    array.array("d", [0.5, 0.25, 0.125]).tobytes(),
    {"a person": ("a", "person")},
    (730_000, 0),
    0.1 + 0.2,
)


def test_a_record_reads_back_as_kept() -> None:
    assert kept_values.loads(kept_values.dumps(VALUE)) == VALUE


def test_every_changed_byte_is_refused() -> None:
    """Any one byte changed, in the seal or in the values, leaves a record that is not
    read: a damaged length inside the values would otherwise have marshal allocate as
    much as it says (a tuple of two billion items)."""
    record = kept_values.dumps(VALUE)
    for at in range(len(record)):
        for flip in (0x01, 0x80, 0xFF):
            damaged = record[:at] + bytes([record[at] ^ flip]) + record[at + 1 :]
            assert kept_values.loads(damaged) is None, (at, flip)


def test_what_is_no_record_is_refused() -> None:
    record = kept_values.dumps(VALUE)
    for other in (record[:-1], record[:4], b"", record + b"\x00", "text", None, 7):
        assert kept_values.loads(other) is None
    # A marshal without its seal, as the values were kept before.
    assert kept_values.loads(marshal.dumps(VALUE)) is None
