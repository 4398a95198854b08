"""Text that people and machines send us: which characters we refuse, and how exports keep
the ones already stored from breaking a format.

Control characters have no place in a name, a label, a code or a query parameter; a note may
hold tabs and line breaks. XML 1.0 cannot carry the rest at all (lxml refuses them), and
spreadsheets run a cell that starts like a formula.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls, DEL, lone surrogates (JSON can send "\ud800") and the two non-characters
# XML excludes. Tab, LF and CR are added back for multi-line text.
_REFUSED = "\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_CONTROL = re.compile(f"[{_REFUSED}]")
# What XML 1.0 cannot represent: replaced on the way out, whatever was stored in the past.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same with tab, LF and CR (0x09, 0x0a, 0x0d) allowed.
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first refused character of `text` (None if there is none)."""
    match = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    return match.group() if match else None


def describe(char: str) -> str:
    """A refused character as a person can read it: `U+0001`."""
    return f"U+{ord(char):04X}"


@deconstructible
class NoControlCharacters:
    """Model and form validator: refuses control characters (tab, CR and LF too unless
    `multiline`)."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        char = control_character(str(value), multiline=self.multiline)
        if char is not None:
            raise ValidationError(
                _("Control character %(char)s is not allowed here: use printable text%(extra)s."),
                code="control_character",
                params={
                    "char": describe(char),
                    "extra": _(", tabs and line breaks") if self.multiline else "",
                },
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


no_control_characters = NoControlCharacters()
no_control_characters_multiline = NoControlCharacters(multiline=True)


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def csv_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it is read as
    text; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
