"""Units (二级党组织) that submit material, with aliases."""

from __future__ import annotations

import unicodedata

from sqlmodel import Session, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError, suggest
from caselib.store.library import insert_if_absent
from caselib.store.tables import Record, Unit, UnitAlias


def clean_unit_name(name: str) -> str:
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if not cleaned:
        raise InvalidInputError("单位名称不能为空")
    return cleaned


def find_unit(session: Session, name: str) -> Unit | None:
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    unit = session.exec(select(Unit).where(Unit.name == cleaned)).first()
    if unit is None:
        alias = session.get(UnitAlias, cleaned)
        unit = alias.unit if alias else None
    return unit


def all_unit_names(session: Session) -> list[str]:
    names = list(session.exec(select(Unit.name)).all())
    return names + list(session.exec(select(UnitAlias.alias)).all())


def resolve_unit(session: Session, name: str) -> Unit:
    """The unit with this name or alias; NotFoundError naming the closest units otherwise."""
    unit = find_unit(session, name)
    if unit is None:
        raise NotFoundError(f"单位不存在：{name}{suggest(name, all_unit_names(session))}")
    return unit


def get_or_create_unit(session: Session, name: str) -> tuple[Unit, bool]:
    """The unit with this name or alias, created if new. Returns (unit, created)."""
    cleaned = clean_unit_name(name)
    unit = find_unit(session, cleaned)
    if unit is not None:
        return unit, False
    # another process may be adding the same unit right now: insert if absent, then read
    created = insert_if_absent(session, Unit, name=cleaned)
    return session.exec(select(Unit).where(Unit.name == cleaned)).one(), created


def rename_unit(session: Session, old: str, new: str) -> Unit:
    unit = resolve_unit(session, old)
    cleaned = clean_unit_name(new)
    if cleaned != unit.name and find_unit(session, cleaned) is not None:
        raise ConflictError(f"单位已存在：{cleaned}（要合并请用 caselib units merge）")
    unit.name = cleaned
    session.add(unit)
    session.flush()
    return unit


def merge_units(session: Session, source: str, target: str) -> Unit:
    """Move every record of ``source`` to ``target``; ``source`` becomes an alias of it."""
    src = resolve_unit(session, source)
    dst = resolve_unit(session, target)
    if src.id == dst.id:
        raise InvalidInputError(f"不能把单位“{src.name}”合并到它自己")
    for record in session.exec(select(Record).where(Record.unit_id == src.id)).all():
        record.unit_id = dst.id  # type: ignore[assignment]
        session.add(record)
    for alias in list(src.aliases):
        alias.unit = dst
    session.flush()
    name = src.name
    session.delete(src)
    session.flush()
    session.add(UnitAlias(alias=name, unit_id=dst.id))  # type: ignore[arg-type]
    session.flush()
    session.refresh(dst)
    return dst


def add_unit_alias(session: Session, name: str, alias: str) -> Unit:
    unit = resolve_unit(session, name)
    cleaned = clean_unit_name(alias)
    if find_unit(session, cleaned) is not None:
        raise ConflictError(f"单位名称或别名已存在：{cleaned}")
    session.add(UnitAlias(alias=cleaned, unit_id=unit.id))  # type: ignore[arg-type]
    session.flush()
    session.refresh(unit)
    return unit
