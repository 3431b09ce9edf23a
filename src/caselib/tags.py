"""Tags: a tree of theme names with aliases.

Tag names are NFKC-normalised and trimmed; a name with whitespace inside, a leading + or -, or
a comma is rejected (the command line uses those characters as syntax).
"""

from __future__ import annotations

import unicodedata

from sqlmodel import Session, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError, suggest
from caselib.store.library import Library, first_id, insert_if_absent
from caselib.store.tables import Tag, TagAlias

MAX_TAG_LENGTH = 30


def clean_tag_name(name: str) -> str:
    """The normalised form of a tag name, or InvalidInputError."""
    cleaned = unicodedata.normalize("NFKC", name).strip()
    if not cleaned:
        raise InvalidInputError("标签名不能为空")
    if any(ch.isspace() for ch in cleaned):
        raise InvalidInputError(f"标签名不能包含空格：“{cleaned}”")
    if cleaned[0] in "+-" or "," in cleaned:
        raise InvalidInputError(f"标签名不能以 + 或 - 开头，也不能包含逗号：“{cleaned}”")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise InvalidInputError(f"标签名过长（最多 {MAX_TAG_LENGTH} 字）：“{cleaned}”")
    return cleaned


_TAG_NAMED = "SELECT id FROM tag WHERE name = ?"
_TAG_ALIASED = "SELECT tag_id FROM tag_alias WHERE alias = ?"


def _tag_id(session: Session, cleaned: str) -> int | None:
    """The id of the tag with this (cleaned) name or alias."""
    return first_id(session, (_TAG_NAMED, _TAG_ALIASED), cleaned)


def find_tag(session: Session, name: str) -> Tag | None:
    """The tag with this name or alias, or None."""
    tag_id = _tag_id(session, unicodedata.normalize("NFKC", name).strip())
    return None if tag_id is None else session.get(Tag, tag_id)


def all_tag_names(session: Session) -> list[str]:
    names = list(session.exec(select(Tag.name)).all())
    names += list(session.exec(select(TagAlias.alias)).all())
    return names


def resolve_tag(session: Session, name: str) -> Tag:
    """The tag with this name or alias; NotFoundError naming the closest tags otherwise."""
    tag = find_tag(session, name)
    if tag is None:
        hint = suggest(name, all_tag_names(session))
        raise NotFoundError(f"标签不存在：{name}{hint}")
    return tag


def tag_ids_for(session: Session, names: list[str]) -> tuple[list[int], list[str]]:
    """Ids of the tags for these names (aliases resolved, each tag once); unknown names are
    created. Returns (ids, names created)."""
    ids: list[int] = []
    created: list[str] = []
    for raw in names:
        name = clean_tag_name(raw)
        tag_id = _tag_id(session, name)
        if tag_id is None:
            # another process may be adding the same tag right now: insert if absent, then read
            if insert_if_absent(session, Tag, name=name):
                created.append(name)
            tag_id = first_id(session, (_TAG_NAMED,), name)
            assert tag_id is not None  # inserted above, or by another process
        if tag_id not in ids:
            ids.append(tag_id)
    return ids, created


def get_or_create_tags(session: Session, names: list[str]) -> tuple[list[Tag], list[str]]:
    """Tags for these names (aliases resolved); unknown names are created. Returns (tags, created)."""
    ids, created = tag_ids_for(session, names)
    return [t for t in (session.get(Tag, i) for i in ids) if t is not None], created


def descendant_ids(session: Session, tag: Tag) -> set[int]:
    """The tag's id and those of all its descendants."""
    children: dict[int | None, list[int]] = {}
    for tid, parent in session.exec(select(Tag.id, Tag.parent_id)).all():
        children.setdefault(parent, []).append(int(tid))  # type: ignore[arg-type]
    assert tag.id is not None
    result = {tag.id}
    stack = [tag.id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in result:
                result.add(child)
                stack.append(child)
    return result


def _ensure_free(session: Session, name: str) -> None:
    if find_tag(session, name) is not None:
        raise ConflictError(f"标签已存在：{name}")


def add_tag(session: Session, name: str, parent: str | None = None) -> Tag:
    """Create a tag, optionally under a parent."""
    cleaned = clean_tag_name(name)
    _ensure_free(session, cleaned)
    parent_tag = resolve_tag(session, parent) if parent else None
    tag = Tag(name=cleaned, parent_id=parent_tag.id if parent_tag else None)
    session.add(tag)
    session.flush()
    return tag


def rename_tag(session: Session, old: str, new: str) -> Tag:
    """Rename a tag; its records follow."""
    tag = resolve_tag(session, old)
    cleaned = clean_tag_name(new)
    if cleaned != tag.name:
        _ensure_free(session, cleaned)
    tag.name = cleaned
    session.add(tag)
    session.flush()
    return tag


def move_tag(session: Session, name: str, parent: str | None) -> Tag:
    """Put a tag under another (or at the top with ``parent=None``); cycles are refused."""
    tag = resolve_tag(session, name)
    if parent is None:
        tag.parent_id = None
    else:
        parent_tag = resolve_tag(session, parent)
        if parent_tag.id in descendant_ids(session, tag):
            raise InvalidInputError(
                f"不能把标签“{tag.name}”移到它自己的下级“{parent_tag.name}”之下"
            )
        tag.parent_id = parent_tag.id
    session.add(tag)
    session.flush()
    return tag


def merge_tags(session: Session, source: str, target: str) -> Tag:
    """Fold ``source`` into ``target``: its records, children and aliases move; its name
    becomes an alias of ``target``."""
    src = resolve_tag(session, source)
    dst = resolve_tag(session, target)
    if src.id == dst.id:
        raise InvalidInputError(f"不能把标签“{src.name}”合并到它自己")
    if dst.id in descendant_ids(session, src):
        raise InvalidInputError(f"不能把标签“{src.name}”合并到它的下级“{dst.name}”")
    for record in list(src.records):
        if dst not in record.tags:
            record.tags.append(dst)
        record.tags.remove(src)
        session.add(record)
    for child in session.exec(select(Tag).where(Tag.parent_id == src.id)).all():
        child.parent_id = dst.id
        session.add(child)
    for alias in list(src.aliases):
        alias.tag = dst
    session.flush()
    name = src.name
    session.delete(src)
    session.flush()
    session.add(TagAlias(alias=name, tag_id=dst.id))  # type: ignore[arg-type]
    session.flush()
    session.refresh(dst)
    return dst


def add_alias(session: Session, name: str, alias: str) -> Tag:
    """Make ``alias`` another name of the tag ``name``."""
    tag = resolve_tag(session, name)
    cleaned = clean_tag_name(alias)
    _ensure_free(session, cleaned)
    session.add(TagAlias(alias=cleaned, tag_id=tag.id))  # type: ignore[arg-type]
    session.flush()
    session.refresh(tag)
    return tag


def remove_alias(session: Session, alias: str) -> Tag:
    row = session.get(TagAlias, unicodedata.normalize("NFKC", alias).strip())
    if row is None:
        raise NotFoundError(f"别名不存在：{alias}")
    tag = row.tag
    session.delete(row)
    session.flush()
    return tag


def load_vocabulary(session: Session, text: str) -> int:
    """Load tags from vocabulary TOML (``[[tag]] name / parent / aliases``); returns tags added."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"标签词表格式错误：{exc}") from exc
    added = 0
    for entry in data.get("tag", []):
        name = clean_tag_name(str(entry["name"]))
        if find_tag(session, name) is not None:
            continue
        parent = entry.get("parent")
        add_tag(session, name, parent)
        for alias in entry.get("aliases", []):
            if find_tag(session, alias) is None:
                add_alias(session, name, alias)
        added += 1
    return added


def load_default_vocabulary(session: Session) -> int:
    from importlib import resources

    text = resources.files("caselib").joinpath("data/vocabulary.toml").read_text("utf-8")
    return load_vocabulary(session, text)


def init_library(db: str | None = None) -> tuple[Library, bool]:
    """Create a library with the default tag vocabulary (``caselib init``); returns
    (library, created). An existing library is opened unchanged."""
    return Library.init(db, populate=load_default_vocabulary)
