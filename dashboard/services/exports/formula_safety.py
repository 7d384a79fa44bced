"""Text cells a spreadsheet could run as a formula, made inert — reversibly.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, tab, CR, LF, NUL (or the full-width
``＝ ＋ － ＠``) is prefixed with one apostrophe. A text that already starts with an apostrophe is
prefixed too, so :func:`strip_one` gives every original text back exactly. Only *text* cells go
through here: numbers and dates are written as such (``-5`` stays ``-5``).
"""

from __future__ import annotations

PREFIX = "'"

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or hide
# one behind a control character), in ASCII and full-width forms.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
_PREFIXED = FORMULA_TRIGGERS | {PREFIX}


def needs_prefix(text: str) -> bool:
    """True when ``text`` would be prefixed by :func:`neutralise`."""
    return bool(text) and text[0] in _PREFIXED


def neutralise(text: str) -> str:
    """``"=1+1"`` → ``"'=1+1"``; ``"'abc"`` → ``"''abc"``; anything else unchanged."""
    if text and text[0] in _PREFIXED:
        return PREFIX + text
    return text


def strip_one(text: str) -> str:
    """Undo :func:`neutralise`: drop exactly one leading apostrophe, if any."""
    if text.startswith(PREFIX):
        return text[1:]
    return text
