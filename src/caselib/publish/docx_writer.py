"""Writing a 简报 (work bulletin) or a case compilation (汇编) as DOCX.

The layout follows docs/bulletin-format.md (GB/T 9704-2012 page, fonts and page numbers, plus the
usual 报头 and 版记 of a bulletin). This module is the public entry point; the parts of the page
live in ``caselib.publish.bulletin`` (one module each), which with this module are the only
importers of python-docx. The CLI imports it lazily.

Decisions worth knowing:

* Every run carries its fonts and size directly, with the East Asian font in
  ``w:rFonts/@w:eastAsia`` (python-docx's ``font.name`` does not set it), so Word, WPS and
  LibreOffice agree whatever the styles say. The same values live in named paragraph styles
  (正文 = Normal, 文章标题, 一级标题 …) so the document stays editable by style.
* Articles are grouped by kind: 经验案例 first, then 暖心故事. Stories always sit under a
  “暖心故事” column heading; cases get a “经验案例” heading only when stories follow too (a
  bulletin of cases alone, like the seed issue, needs no column heading).
* A title already of the form “单位：主题” names its unit; any other title gets the unit on a
  line of its own under it. Long titles are broken into balanced lines (at a space first), so a
  centred title never ends with one orphaned character.
* The 报头 name is fitted to the 156 mm type area: a trailing “简报” stands alone in 初号 and
  the rest takes the largest standard size (小初 → 一号 → 小一 → 二号) at which it fits on one
  line, or failing that on two lines broken between words (after 大学、党委、干部…)
  (``bulletin.masthead.fit_series``). A newline in the series name forces a break.
* The 报/送/发 block is a one-column table as wide as the type area (its borders are the
  thick/thin rules), floating at the bottom margin of the last page, so its last rule sits on
  the last line of the type area; when there is no room it goes to the foot of the next page
  (``bulletin.banji`` says why this layout). ``back_page`` puts it on an even page.
* Keep-together: titles, unit lines, column and section headings keep with what follows, and
  the first paragraph under them has widow/orphan control on, so a title or heading never
  ends a page and takes at least two lines of text with it.
* A compilation's 目录 is a TOC field whose cached result already lists the titles, with page
  numbers estimated from the 22 × 28 grid (PAGEREF fields to bookmarks on the titles), so it
  reads right before anyone updates fields; Word's 更新域 replaces it with the real one.
* With a ``template``, the template's last section (page size, margins, grid, headers and
  footers) is kept, and its styles are taken by role name (``bulletin.document.ROLE_NAMES``,
  Chinese and English): runs take their fonts from them; roles it lacks get caselib's styles.
  Its Normal never becomes the body, and title/heading styles are taken only with a body style
  (正文), so body and headings come from one system. A red 报头 already drawn in the template's
  body is kept as is. Page-number footers are added only when the template has none.
"""

from __future__ import annotations

from pathlib import Path

from caselib.errors import InvalidInputError
from caselib.publish.bulletin.banji import distribution
from caselib.publish.bulletin.body import articles as write_articles
from caselib.publish.bulletin.compilation import cover, section_break, toc
from caselib.publish.bulletin.document import Document, Target
from caselib.publish.bulletin.masthead import editor_note, issue, masthead, office_line
from caselib.publish.bulletin.measure import clean
from caselib.publish.bulletin.model import (
    DISTRIBUTION_ORDER,
    GROUP_TITLES,
    KIND_CASE,
    KIND_STORY,
    Article,
    BulletinSpec,
)
from caselib.publish.bulletin.styles import (
    LINE_PITCH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
)

__all__ = [
    "DISTRIBUTION_ORDER",
    "GROUP_TITLES",
    "KIND_CASE",
    "KIND_STORY",
    "LINE_PITCH",
    "MARGIN_BOTTOM",
    "MARGIN_LEFT",
    "MARGIN_RIGHT",
    "MARGIN_TOP",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "Article",
    "BulletinSpec",
    "write_bulletin",
    "write_compilation",
]


def write_bulletin(
    target: Target,
    spec: BulletinSpec,
    articles: list[Article],
    template: Path | None = None,
    *,
    back_page: bool = False,
) -> None:
    """Write issue ``spec`` of a 简报 with ``articles`` as DOCX to ``target`` (path or stream).

    Layout: 报头 (red), 第N期, 编印单位 + date over a red rule, 编者按, the articles (经验案例
    then 暖心故事), and the 报/送/发 block last; “— N —” page numbers, odd right, even left.
    """
    if not articles:
        raise InvalidInputError("简报中没有文章：请至少选择一篇经验案例或暖心故事")
    if spec.number < 1:
        raise InvalidInputError(f"期号必须是正整数：{spec.number}")
    if not clean(spec.series):
        raise InvalidInputError("简报名称不能为空")
    w = Document(template, keep_masthead=True)
    if w.own_masthead:
        # The template's own 报头 stands first; its height is not known here, so the page
        # model counts it as the usual three display lines.
        w.advance(3 * LINE_PITCH)
    else:
        masthead(w, spec.series)
    issue(w, spec.number)
    office_line(w, spec.office, spec.date)
    if spec.editor_note and clean(spec.editor_note):
        editor_note(w, spec.editor_note)
    write_articles(w, articles, compilation=False)
    distribution(w, spec.distribution, spec.copies, back_page=back_page)
    w.page_number_footers()
    series = clean(spec.series).replace("\n", "")
    w.properties(f"{series}（第{spec.number}期）", clean(spec.office), series)
    w.save(target)


def write_compilation(
    target: Target,
    title: str,
    articles: list[Article],
    template: Path | None = None,
    subtitle: str | None = None,
) -> None:
    """Write a compilation (汇编): a cover, a table of contents, then one article per page run.

    Same page, fonts and page numbers as a bulletin (numbering starts at 1 with the first
    article; the cover and contents carry none), without 报头, 版记 or red.
    """
    if not articles:
        raise InvalidInputError("汇编中没有文章：请至少选择一篇经验案例或暖心故事")
    if not clean(title):
        raise InvalidInputError("汇编标题不能为空")
    w = Document(template)
    # Articles first: the contents need their (estimated) page numbers.
    entries = write_articles(w, articles, compilation=True)
    front = cover(w, title, subtitle)
    front += toc(w, entries)
    front.append(section_break(w))
    for i, el in enumerate(front):
        w.body.insert(i, el)
    w.page_number_footers(restart=True)
    w.properties(clean(title), "", clean(subtitle or ""))
    w.save(target)
