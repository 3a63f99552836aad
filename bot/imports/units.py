"""`troly units import`: the unit tree (code, name, parent code, level, optional check-in cut-off)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin_policy import parse_cutoff, parse_period_cutoff
from bot.db import people_store
from bot.db.models import Unit
from bot.imports.common import ImportFailed, ImportResult, RowError, text
from bot.imports.tabular import TableError, read_table
from bot.texts import imports as texts

#: field → the header spellings accepted in the file (data for parsing, not messages)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("Mã đơn vị", "Mã ĐV", "Mã"),
    "name": ("Tên đơn vị", "Đơn vị", "Tên"),
    "parent": ("Đơn vị cấp trên", "Mã đơn vị cấp trên", "Cấp trên", "Trực thuộc"),
    "level": ("Cấp", "Cấp đơn vị", "Cấp hành chính"),
    "cutoff": ("Hạn chốt báo cáo", "Hạn báo cáo tuần"),
    "period_cutoff": ("Hạn chốt báo cáo tháng", "Ngày chốt số liệu"),
}
REQUIRED = ("code", "name")


async def import_units(session: AsyncSession, file_name: str, content: bytes, now: datetime, *,
                       dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then create/update units by code (nothing written on any error)."""
    try:
        table = read_table(file_name, content, HEADER_ALIASES, REQUIRED)
    except TableError as exc:
        raise ImportFailed([RowError(0, str(exc))]) from exc
    errors: list[RowError] = []
    existing = {u.code: u for u in await people_store.all_units(session)}
    parsed: dict[str, dict[str, Any]] = {}
    rows_of: dict[str, int] = {}
    for row in table.rows:
        code, name = text(row.get("code")), text(row.get("name"))
        if not code:
            errors.append(RowError(row.number, texts.UNIT_CODE_MISSING))
            continue
        if len(code) > 64:
            errors.append(RowError(row.number, texts.UNIT_CODE_TOO_LONG))
            continue
        if code in parsed:
            duplicate = texts.UNIT_CODE_DUPLICATE.format(code=code, row=rows_of[code])
            errors.append(RowError(row.number, duplicate))
            continue
        if not name:
            errors.append(RowError(row.number, texts.UNIT_NAME_MISSING))
        cutoff = text(row.get("cutoff")) or None
        if cutoff is not None:
            try:
                parse_cutoff(cutoff)
            except ValueError:
                errors.append(RowError(row.number, texts.UNIT_CUTOFF_INVALID.format(value=cutoff)))
        period_cutoff = text(row.get("period_cutoff")) or None
        if period_cutoff is not None:
            try:
                parse_period_cutoff(period_cutoff)
            except ValueError:
                errors.append(RowError(row.number, texts.UNIT_PERIOD_CUTOFF_INVALID.format(
                    value=period_cutoff)))
        parsed[code] = {"name": name, "parent": text(row.get("parent")) or None,
                        "level": text(row.get("level")) or None, "cutoff": cutoff,
                        "period_cutoff": period_cutoff}
        rows_of[code] = row.number
    for code, values in parsed.items():
        parent = values["parent"]
        if parent is None:
            continue
        if parent == code:
            errors.append(RowError(rows_of[code], texts.UNIT_OWN_PARENT))
        elif parent not in parsed and parent not in existing:
            errors.append(RowError(rows_of[code], texts.UNIT_PARENT_UNKNOWN.format(code=parent)))
    errors += _cycles(parsed, existing, rows_of)
    if errors:
        raise ImportFailed(errors)

    result = ImportResult("units", dry_run)
    result.not_in_file = sorted(set(existing) - set(parsed))
    for code, values in parsed.items():
        unit = existing.get(code)
        if unit is None:
            result.created.append(f"{code}: {values['name']}")
        else:
            changes = _changes(unit, values, existing)
            (result.updated.append((code, changes)) if changes else result.unchanged.append(code))
    if dry_run:
        return result
    for code, values in parsed.items():
        if code not in existing:
            existing[code] = Unit(code=code, name=values["name"], created_at=now)
            session.add(existing[code])
    await session.flush()
    for code, values in parsed.items():
        unit = existing[code]
        unit.name, unit.level = values["name"], values["level"]
        unit.parent_id = existing[values["parent"]].id if values["parent"] else None
        schedule = dict(unit.schedule or {})
        for field, key in (("cutoff", "checkin_cutoff"), ("period_cutoff", "period_cutoff")):
            if values[field]:
                schedule[key] = values[field]
            else:
                schedule.pop(key, None)
        unit.schedule = schedule or None
    await session.flush()
    return result


def _changes(unit: Unit, values: dict[str, Any], existing: dict[str, Unit]) -> list[str]:
    by_id = {u.id: c for c, u in existing.items()}
    current_parent = by_id.get(unit.parent_id) if unit.parent_id else None
    schedule = unit.schedule or {}
    current = {"name": unit.name, "parent": current_parent, "level": unit.level or None,
               "cutoff": schedule.get("checkin_cutoff"),
               "period_cutoff": schedule.get("period_cutoff")}
    # a change is named by the column's canonical header, as the file shows it
    return [HEADER_ALIASES[key][0] for key, value in current.items() if value != values[key]]


def _cycles(parsed: dict[str, dict[str, Any]], existing: dict[str, Unit],
            rows_of: dict[str, int]) -> list[RowError]:
    by_id = {u.id: c for c, u in existing.items()}
    parent_of = {c: (by_id.get(u.parent_id) if u.parent_id else None) for c, u in existing.items()}
    parent_of.update({c: v["parent"] for c, v in parsed.items()})
    errors = []
    for code in parsed:
        seen, cursor = {code}, parent_of.get(code)
        while cursor is not None:
            if cursor in seen:
                errors.append(RowError(rows_of[code], texts.UNIT_IN_CYCLE.format(code=code)))
                break
            seen.add(cursor)
            cursor = parent_of.get(cursor)
    return errors
