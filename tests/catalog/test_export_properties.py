"""CSV injection, property-based (target A7): dangerous cells get a leading ', everything else round-trips."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from evosync.catalog.export import FORMULA_STARTS, neutralise

CELLS = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\x00"]),
        st.text(max_size=20),
    ),
    st.text(alphabet=";\"\n\r,'=+-@ абв", max_size=20),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=8))
def test_cells_are_neutralised_and_round_trip_through_the_export_dialect(cells):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([neutralise(c) for c in cells])
    [row] = list(csv.reader(io.StringIO(buffer.getvalue(), newline=""), delimiter=";"))
    for original, written in zip(cells, row, strict=True):
        if original.startswith(FORMULA_STARTS):
            assert written == "'" + original
        else:
            assert written == original
        assert not written.startswith(("=", "+", "-", "@", "\t", "\r", "\x00"))


@settings(max_examples=1000, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=11))
def test_a_joined_row_is_what_the_csv_module_writes(cells):
    from evosync.catalog.export import line_writer

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(cells)
    assert line_writer()(tuple(cells)) == buffer.getvalue()
