"""`troly units import`: the unit tree (code, name, parent code, level, optional check-in cut-off)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_store
from bot.db.models import Unit
from bot.imports.common import ImportFailed, ImportResult, RowError, keep_or_raise, text, too_long
from bot.imports.tabular import TableError, read_table
from bot.texts import imports as texts
from rules.cutoffs import parse_cutoff, parse_period_cutoff

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
#: column widths of the units table (models.Unit): field → (limit, header)
_LIMITS = {"name": (255, HEADER_ALIASES["name"][0]), "level": (32, HEADER_ALIASES["level"][0])}


async def import_units(session: AsyncSession, file_name: str, content: bytes, now: datetime, *,
                       dry_run: bool = False, partial: bool = False) -> ImportResult:
    """Validate the whole file, then create/update units by code: nothing written on any error,
    or with `partial` the bad rows (and the units under a rejected parent) left out."""
    try:
        # parsing a large workbook takes seconds: keep the event loop answering meanwhile
        table = await asyncio.to_thread(read_table, file_name, content, HEADER_ALIASES, REQUIRED)
    except TableError as exc:
        raise ImportFailed([RowError(0, str(exc))]) from exc
    errors: list[RowError] = []
    existing = {u.code: u for u in await people_store.all_units(session)}
    parsed: dict[str, dict[str, Any]] = {}
    rows_of: dict[str, int] = {}
    seen: dict[str, int] = {}
    for row in table.rows:
        code, name = text(row.get("code")), text(row.get("name"))
        problems = row.problems()
        if not code:
            problems.append(texts.UNIT_CODE_MISSING)
        elif len(code) > 64:
            problems.append(texts.UNIT_CODE_TOO_LONG)
        elif code in seen:
            problems.append(texts.UNIT_CODE_DUPLICATE.format(code=code, row=seen[code]))
        else:
            seen[code] = row.number
        if not name:
            problems.append(texts.UNIT_NAME_MISSING)
        cutoff = text(row.get("cutoff")) or None
        if cutoff is not None:
            try:
                parse_cutoff(cutoff)
            except ValueError:
                problems.append(texts.UNIT_CUTOFF_INVALID.format(value=cutoff))
        period_cutoff = text(row.get("period_cutoff")) or None
        if period_cutoff is not None:
            try:
                parse_period_cutoff(period_cutoff)
            except ValueError:
                problems.append(texts.UNIT_PERIOD_CUTOFF_INVALID.format(value=period_cutoff))
        cells: dict[str, Any] = {"name": name, "parent": text(row.get("parent")) or None,
                                 "level": text(row.get("level")) or None, "cutoff": cutoff,
                                 "period_cutoff": period_cutoff}
        problems += too_long(cells, _LIMITS)
        if problems:
            errors += [RowError(row.number, p) for p in problems]
            continue
        parsed[code] = cells
        rows_of[code] = row.number
    while True:  # a unit whose parent is unknown (or was rejected) goes too, and so on down
        bad = _parent_errors(parsed, existing, rows_of) + _cycles(parsed, existing, rows_of)
        errors += bad
        if not bad or not partial:
            break
        for error in bad:
            parsed.pop(next(c for c, n in rows_of.items() if n == error.row), None)
    rejected = keep_or_raise(errors, partial)

    result = ImportResult("units", dry_run, rejected=rejected)
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


def _parent_errors(parsed: dict[str, dict[str, Any]], existing: dict[str, Unit],
                   rows_of: dict[str, int]) -> list[RowError]:
    errors = []
    for code, values in parsed.items():
        parent = values["parent"]
        if parent == code:
            errors.append(RowError(rows_of[code], texts.UNIT_OWN_PARENT))
        elif parent is not None and parent not in parsed and parent not in existing:
            errors.append(RowError(rows_of[code], texts.UNIT_PARENT_UNKNOWN.format(code=parent)))
    return errors


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
