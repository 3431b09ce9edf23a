"""caselib: a case library for Party-committee offices (经验案例与暖心故事).

The public API is loaded lazily so that ``caselib --help`` never imports the database stack.
"""

from __future__ import annotations

__version__ = "0.1.0"
