"""Text: what caselib knows about Chinese text, with no database.

Normalisation (width, case, quotes) and search-term matching, body blocks, dates, the Markdown
record form, and the evidence a text carries (figures, dates, headings, length). The lowest
layer above ``errors``: everything else may use it, it uses nothing of caselib's.
"""
