"""Numbers as a reader reads them: at most four significant digits in a generated table.

Each page formats its own numbers; this is the last pass over every generated page, so that no
table prints "204314.007 [203919.783, 204730.652]". Only numbers with a decimal point or an
exponent are measured values to round; integers (counts, steps, sample lengths) are exact and
kept.
"""
from __future__ import annotations

import math
import re

DIGITS = 4
# A decimal number standing alone: not part of a version (3.11.7), a date, a name or a path.
DECIMAL = re.compile(r"(?<![\w.#/-])(-?)(\d+\.\d+(?:e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w.-])")


def significant(text: str) -> int:
    """Significant digits of a decimal number as printed ('0.00112': 3, '1336.7': 5)."""
    mantissa = text.lower().split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def round_text(value: float, digits: int = DIGITS) -> str:
    """``value`` at ``digits`` significant digits: 1336.7 -> 1337, 204314.007 -> 204300,
    9.99996 -> 10, 0.000123456 -> 0.0001235; an exponent only from a million up."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    rounded = float(f"{value:.{digits}g}")
    if abs(rounded) >= 1e6:
        return f"{rounded:.{digits - 1}e}"
    if abs(rounded) >= 10 ** (digits - 1):
        return f"{rounded:.0f}"
    return f"{rounded:.{digits}g}" if abs(rounded) >= 1e-4 else f"{rounded:.{digits - 1}e}"


def tidy_line(line: str, digits: int = DIGITS) -> str:
    """A table row with every decimal number of more than ``digits`` significant digits
    rounded to ``digits``."""
    def fix(m):
        sign, number = m.groups()
        if significant(number) <= digits:
            return m.group(0)
        return round_text(float(sign + number), digits)
    return DECIMAL.sub(fix, line)


def tidy_tables(text: str, digits: int = DIGITS) -> str:
    """A Markdown page with its table rows (lines that start with '|') tidied."""
    return "\n".join(tidy_line(line, digits) if line.lstrip().startswith("|") else line
                     for line in text.split("\n"))
