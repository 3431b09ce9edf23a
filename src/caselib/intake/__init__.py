"""Intake: how cases come in.

Readers of Word, WPS, text, Markdown and bulletin files (``readers``), the import of files and
folders into the library (``importing``), and automatic tagging (``autotag``). Near-duplicates
are flagged by ``caselib.dedupe`` on every write, so they live with the library's nouns.
"""
