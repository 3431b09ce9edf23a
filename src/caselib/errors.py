"""caselib's exceptions. The CLI turns every ``CaselibError`` into one Chinese line and exit 1."""

from __future__ import annotations


class CaselibError(Exception):
    """Base class: ``str(error)`` is the one-line message shown to the user (Chinese)."""


class NotFoundError(CaselibError):
    """A record, tag, unit, bulletin or shortlist that does not exist."""


class InvalidInputError(CaselibError):
    """Input that fails validation: empty title, malformed date, bad tag name…"""


class ConflictError(CaselibError):
    """The operation would duplicate something that must be unique."""


class LibraryError(CaselibError):
    """The library file itself: not a caselib library, too new, read-only, locked."""


def suggest(name: str, candidates: list[str], n: int = 3) -> str:
    """A '（您是否要找：…）' hint naming the closest existing names, or ''."""
    import difflib

    close = difflib.get_close_matches(name, candidates, n=n, cutoff=0.3)
    if not close:
        close = [c for c in candidates if name in c or c in name][:n]
    return f"（您是否要找：{'、'.join(close)}）" if close else ""
