"""The last pass over generated tables: four significant digits, integers and names kept."""
import pytest

from models.report.numbers import round_text, tidy_line, tidy_tables


@pytest.mark.parametrize("value, text", [
    (1336.7, "1337"), (204314.007, "204300"), (9.99996, "10"), (121.375, "121.4"),
    (0.000123456, "0.0001235"), (0.0000123456, "1.235e-05"), (12345678.9, "1.235e+07"), (0.43219, "0.4322")])
def test_round_text_keeps_four_significant_digits(value, text):
    assert round_text(value) == text


def test_only_long_decimals_in_table_rows_change():
    row = ("| fd 204314.007 <small>[203919.783, 204730.652]</small> | 0.30 (0.3) | 16384 | "
           "3.11.7 | 2026-12-03 | bwv10.7 |")
    assert tidy_line(row) == ("| fd 204300 <small>[203900, 204700]</small> | 0.30 (0.3) | "
                              "16384 | 3.11.7 | 2026-12-03 | bwv10.7 |")
    text = "FD 204314.007 in a sentence\n" + row
    assert tidy_tables(text).split("\n")[0] == "FD 204314.007 in a sentence"
