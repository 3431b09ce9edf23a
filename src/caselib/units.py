"""Units (二级党组织) that submit material, with aliases."""

from __future__ import annotations

import unicodedata

from sqlmodel import Session, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError, suggest
from caselib.store.library import first_id, insert_if_absent
from caselib.store.tables import Record, Unit, UnitAlias


def clean_unit_name(name: str) -> str:
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if not cleaned:
        raise InvalidInputError("单位名称不能为空")
    return cleaned


_UNIT_NAMED = "SELECT id FROM unit WHERE name = ?"
_UNIT_ALIASED = "SELECT unit_id FROM unit_alias WHERE alias = ?"


def _unit_id(session: Session, cleaned: str) -> int | None:
    """The id of the unit with this (cleaned) name or alias."""
    return first_id(session, (_UNIT_NAMED, _UNIT_ALIASED), cleaned)


def find_unit(session: Session, name: str) -> Unit | None:
    unit_id = _unit_id(session, " ".join(unicodedata.normalize("NFKC", name).split()))
    return None if unit_id is None else session.get(Unit, unit_id)


def all_unit_names(session: Session) -> list[str]:
    names = list(session.exec(select(Unit.name)).all())
    return names + list(session.exec(select(UnitAlias.alias)).all())


def resolve_unit(session: Session, name: str) -> Unit:
    """The unit with this name or alias; NotFoundError naming the closest units otherwise."""
    unit = find_unit(session, name)
    if unit is None:
        raise NotFoundError(f"单位不存在：{name}{suggest(name, all_unit_names(session))}")
    return unit


def unit_id_for(session: Session, name: str) -> tuple[int, bool]:
    """The id of the unit with this name or alias, created if new: (id, created)."""
    cleaned = clean_unit_name(name)
    unit_id = _unit_id(session, cleaned)
    if unit_id is not None:
        return unit_id, False
    # another process may be adding the same unit right now: insert if absent, then read
    created = insert_if_absent(session, Unit, name=cleaned)
    unit_id = first_id(session, (_UNIT_NAMED,), cleaned)
    assert unit_id is not None  # inserted above, or by another process
    return unit_id, created


def get_or_create_unit(session: Session, name: str) -> tuple[Unit, bool]:
    """The unit with this name or alias, created if new. Returns (unit, created)."""
    unit_id, created = unit_id_for(session, name)
    unit = session.get(Unit, unit_id)
    assert unit is not None
    return unit, created


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
