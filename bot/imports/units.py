"""`troly units import`: the unit tree (code, name, parent code, level, optional check-in cut-off)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_store
from bot.db.models import Unit
from bot.imports.common import ImportResult, RowError, text, too_long
from bot.imports.tabular import Table
from bot.imports.template import TableImport
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
    return await UnitsImport().run(session, file_name, content, now, dry_run=dry_run,
                                   partial=partial)


class UnitsImport(TableImport):
    """The unit tree by code; a parent must be in the file or the database, and no cycles."""

    kind = "units"
    header_aliases = HEADER_ALIASES
    required = REQUIRED

    def __init__(self) -> None:
        super().__init__()
        #: the database's units by code, new ones added by apply
        self.units: dict[str, Unit] = {}

    async def validate(self, session: AsyncSession, table: Table, now: datetime, *,
                       partial: bool) -> list[RowError]:
        """Row checks, then parents and cycles (with `partial`, a rejected parent's units go too)."""
        errors: list[RowError] = []
        self.units = existing = {u.code: u for u in await people_store.all_units(session)}
        self.existing = dict(existing)
        parsed = self.parsed
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
        return errors

    def created_line(self, code: str, values: dict[str, Any]) -> str:
        """The unit's code and name."""
        return f"{code}: {values['name']}"

    def changes(self, code: str, values: dict[str, Any]) -> list[str]:
        """Name, parent, level and cut-offs compared with the unit's."""
        return _changes(self.units[code], values, self.units)

    async def apply(self, session: AsyncSession, now: datetime) -> None:
        """New units first (their ids name parents), then every unit's columns."""
        existing = self.units
        for code, values in self.parsed.items():
            if code not in existing:
                existing[code] = Unit(code=code, name=values["name"], created_at=now)
                session.add(existing[code])
        await session.flush()
        for code, values in self.parsed.items():
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
