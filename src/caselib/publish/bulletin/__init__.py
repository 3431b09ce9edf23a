"""The parts of a 简报 (and of a compilation) as DOCX, one module per part of the page.

``styles`` (page setup, fonts, the named styles), ``measure`` (text widths and line breaking),
``ooxml`` (small WordprocessingML helpers), ``template`` (opening an office's own template and
reading its styles), ``document`` (the document being written: styles, paragraphs, the running
height estimate, footers), ``masthead`` (报头, 期号, 编印单位, 编者按), ``body`` (articles,
headings, tables, keep-together), ``banji`` (the 报/送/发 block at the foot of the last page) and
``compilation`` (cover and contents). ``caselib.publish.docx_writer`` is the public entry point.
"""
