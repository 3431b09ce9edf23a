"""caselib: a case library for Party-committee offices (经验案例与暖心故事).

The package follows the path a case takes; a layer imports only the layers below it
(``tests/test_layers.py`` checks this, and that no import circle exists)::

    cli                         the command line, a thin client of everything below
    intake | choose | publish   read files in · review and rank · export and print
    records, tags, units,       the library's nouns
    bulletins, search, dedupe
    store                       the library handle, tables, migrations, SQLite specifics
    text                        Chinese text, blocks, dates, the Markdown record form
    errors                      the exceptions every layer raises

Nothing is imported here, so that ``caselib --help`` never loads the database stack; import the
module you need (``from caselib.records import add_record``).
"""

from __future__ import annotations

__version__ = "0.1.0"
