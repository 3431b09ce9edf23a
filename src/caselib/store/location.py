"""Where the library lives: ``--db``, ``CASELIB_DB`` or the user's data directory.

Kept free of SQLAlchemy so that commands on the fast read path can find the file cheaply.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CASELIB_DB"


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("caselib", appauthor=False) / "caselib.db"


def resolve_url(db: str | None) -> str:
    """A SQLAlchemy URL from a path or URL given by the user, the environment or the default."""
    value = db or os.environ.get(ENV_VAR) or str(default_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL, or None for other backends and in-memory databases."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.endswith(":memory:"):
        return None
    path = url[len(prefix) :]
    if path.startswith("file:"):  # sqlite:///file:PATH?mode=ro&uri=true
        path = path[len("file:") :].split("?", 1)[0]
    return Path(path) if path else None


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages, logs and ``info``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
