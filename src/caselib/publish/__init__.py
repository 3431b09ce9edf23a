"""Publish: what leaves the library.

What an export covers and where it goes (``selection``), Markdown/JSON/CSV/XLSX files
(``formats``; the XLSX table is written by XlsxWriter), bulletin issues and compilations in
DOCX (``docx_export`` over ``docx_writer``, the GB/T 9704 layout), PDF rendering through
LibreOffice, and safe file writing (``fileio``).
"""
