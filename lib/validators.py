"""Checks for the text people type into the site's forms and files.

PostgreSQL cannot store NUL (U+0000) in text at all, and no name, title or ZIP code
legitimately holds a control character (escape sequences, backspaces, the C1 block):
they are pasted by accident or sent on purpose. Refusing them with a message that names
them is clearer than storing invisible junk or failing with a database error.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

LINE_BREAKS = frozenset("\n\r\t")


def control_characters(value: str, *, allow_line_breaks: bool = False) -> list[str]:
    """The distinct control characters (Unicode category Cc) in `value`, in order of code point."""
    allowed = LINE_BREAKS if allow_line_breaks else frozenset()
    return sorted({c for c in value if unicodedata.category(c) == "Cc" and c not in allowed})


def without_control_characters(value: str, *, allow_line_breaks: bool = False) -> str:
    """`value` with every control character dropped: for values we keep without asking (?ref= tags)
    and for stored text written out where control characters cannot go (feeds)."""
    allowed = LINE_BREAKS if allow_line_breaks else frozenset()
    return "".join(c for c in value if unicodedata.category(c) != "Cc" or c in allowed)


def as_one_line(value: str) -> str:
    """`value` as one line: each run of whitespace (line breaks too) becomes a space, other control
    characters are dropped. For stored text that a format carries on one line (feed titles)."""
    kept = "".join(" " if c.isspace() else c for c in value if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(kept.split())


@deconstructible
class NoControlCharactersValidator:
    """Refuse text holding control characters; multi-line fields may keep line breaks and tabs."""

    code = "control_characters"

    def __init__(self, *, allow_line_breaks: bool = False) -> None:
        self.allow_line_breaks = allow_line_breaks

    def __call__(self, value) -> None:
        found = control_characters(str(value), allow_line_breaks=self.allow_line_breaks)
        if found:
            names = ", ".join(f"U+{ord(c):04X}" for c in found[:5]) + (", …" if len(found) > 5 else "")
            raise ValidationError(
                "Remove the invisible control characters (%(names)s) from this text.",
                code=self.code,
                params={"names": names},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharactersValidator) and self.allow_line_breaks == other.allow_line_breaks


no_control_characters = NoControlCharactersValidator()
no_control_characters_multiline = NoControlCharactersValidator(allow_line_breaks=True)
