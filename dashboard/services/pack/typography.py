"""French typography for printed text, and text made safe for HTML.

French puts a space before the high punctuation marks and inside guillemets, and that space
must never break a line away from its mark: a no-break space (U+00A0) before « : » and inside
« guillemets », a narrow no-break space (U+202F) before « ; ! ? » (Imprimerie nationale's
rules, as LibreOffice's French autocorrect applies them). User text is escaped after: it is
printed as text, never read as HTML.
"""

from __future__ import annotations

import html
import math
import re

NBSP = "\u00a0"
NNBSP = "\u202f"

_BEFORE_COLON = re.compile(r"(?<=[^\s:])[ \u00a0\u202f]*:(?=\s|$)")
_BEFORE_HIGH = re.compile(r"(?<=[^\s;!?])[ \u00a0\u202f]*([;!?]+)(?=\s|$)")
_BEFORE_PERCENT = re.compile(r"(?<=\d) (?=%)")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


def french(text: object) -> str:
    """``text`` with French spacing: « Avancement : 42 % » keeps its colon on the line.

    A colon gets a no-break space only where a space already stood or the colon ends a word
    before a space (a time « 14:30 » or an address « https:// » is left alone).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    out = str(text)
    out = _BEFORE_COLON.sub(NBSP + ":", out)
    out = _BEFORE_HIGH.sub(NNBSP + r"\1", out)
    out = _BEFORE_PERCENT.sub(NBSP, out)
    out = _OPEN_QUOTE.sub("«" + NBSP, out)
    out = _CLOSE_QUOTE.sub(NBSP + "»", out)
    return out


def esc(text: object) -> str:
    """Text for an HTML element: French spacing, then escaped (``<b>`` prints as ``<b>``)."""
    return html.escape(french(text), quote=True)
