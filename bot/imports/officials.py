"""`troly officials import`: officials by code, with unit, title, role (head/deputy/admin) and status."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_store
from bot.db.models import Official, Unit
from bot.imports.common import ImportResult, RowError, fold_key, text, too_long
from bot.imports.tabular import Table
from bot.imports.template import TableImport
from bot.texts import imports as texts

#: field → the header spellings accepted in the file (data for parsing, not messages)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("Mã cán bộ", "Mã CB", "Mã"),
    "name": ("Họ và tên", "Họ tên", "Tên cán bộ"),
    "title": ("Chức vụ", "Chức danh"),
    "unit": ("Mã đơn vị", "Đơn vị"),
    "role": ("Vai trò",),
    "email": ("Email", "Thư điện tử"),
    "phone": ("Điện thoại", "Số điện thoại"),
    "status": ("Trạng thái",),
    #: the units this official also heads (kiêm nhiệm), by code or name, separated by , or ;
    #: only headers that say it is a headship: HR sheets often have a bare "Kiêm nhiệm" column
    #: of other concurrent posts ("Bí thư chi bộ"), which is not this column (headers are
    #: compared without diacritics or case, so "Kiem nhiem truong don vi" is read too)
    "concurrent": ("Kiêm nhiệm trưởng đơn vị", "Trưởng đơn vị kiêm nhiệm", "Kiêm trưởng đơn vị"),
}
REQUIRED = ("code", "name", "unit")
#: column widths of the officials table (models.Official): field → (limit, header)
_LIMITS = {name: (limit, HEADER_ALIASES[name][0])
           for name, limit in (("name", 255), ("title", 255), ("email", 255), ("phone", 32))}
ROLE_WORDS = {
    "": "official", "can bo": "official", "cong chuc": "official", "chuyen vien": "official",
    "official": "official", "vien chuc": "official",
    "truong don vi": "head", "lanh dao": "head", "thu truong": "head", "truong": "head",
    "head": "head",
    "pho": "deputy", "cap pho": "deputy", "pho don vi": "deputy", "pho truong don vi": "deputy",
    "deputy": "deputy",
    "quan tri": "admin", "quan tri vien": "admin", "admin": "admin",
}
STATUS_WORDS = {
    "": "active", "dang cong tac": "active", "hoat dong": "active", "active": "active",
    "nghi": "inactive", "da nghi": "inactive", "nghi viec": "inactive", "nghi huu": "inactive",
    "chuyen cong tac": "inactive", "inactive": "inactive",
}
#: attribute → the column header that names it in the list of changes ("Đơn vị", not the
#: "Mã đơn vị" header: the column may hold the unit's name as well as its code)
_COLUMN_HEADERS = {"name": "Họ và tên", "title": "Chức vụ", "unit_id": "Đơn vị", "role": "Vai trò",
                   "email": "Email", "phone": "Điện thoại", "status": "Trạng thái",
                   "concurrent": HEADER_ALIASES["concurrent"][0]}
_SEPARATORS = re.compile(r"[,;\n]+")


def find_unit(units: list[Unit], key: str) -> Unit | None:
    """A unit by code (exact) or by name (ignoring diacritics and case)."""
    for unit in units:
        if unit.code == key:
            return unit
    folded = fold_key(key)
    matches = [u for u in units if fold_key(u.code) == folded or fold_key(u.name) == folded]
    return matches[0] if len(matches) == 1 else None


async def import_officials(session: AsyncSession, file_name: str, content: bytes, now: datetime, *,
                           dry_run: bool = False, partial: bool = False) -> ImportResult:
    """Validate the whole file, then create/update officials by code: nothing written on any
    error, or with `partial` the bad rows left out."""
    return await OfficialsImport().run(session, file_name, content, now, dry_run=dry_run,
                                       partial=partial)


class OfficialsImport(TableImport):
    """Officials by code; their unit by code or name; one active head per unit."""

    kind = "officials"
    header_aliases = HEADER_ALIASES
    required = REQUIRED

    def __init__(self) -> None:
        super().__init__()
        self.units: list[Unit] = []
        #: the database's officials that have a code, by code; new ones added by apply
        self.officials: dict[str, Official] = {}
        #: code → the units the official also heads (kiêm nhiệm) after the import: from the
        #: column when the file has it, else the concurrent posts stored (kept as they are)
        self.concurrent: dict[str, set[int]] = {}
        #: official id → the units whose head slot names them while their home unit is another
        self.stored_concurrent: dict[int, set[int]] = {}
        self.column = False
        #: the concurrent-headship column's header as the file spells it
        self.column_header = HEADER_ALIASES["concurrent"][0]

    async def validate(self, session: AsyncSession, table: Table, now: datetime, *,
                       partial: bool) -> list[RowError]:
        """Codes, names, units, roles and statuses of every row."""
        units = self.units = await people_store.all_units(session)
        self.officials = {o.code: o for o in await people_store.all_officials(session) if o.code}
        self.existing = dict(self.officials)
        self.column = "concurrent" in table.headers
        self.column_header = table.headers.get("concurrent", HEADER_ALIASES["concurrent"][0])
        home = {o.id: o.unit_id for o in self.officials.values()}
        self.stored_concurrent = {}
        for held in units:
            holder = held.head_official_id
            if holder is not None and holder in home and home[holder] != held.id:
                self.stored_concurrent.setdefault(holder, set()).add(held.id)
        errors: list[RowError] = []
        heads: dict[int, str] = {}
        seen: dict[str, int] = {}
        for row in table.rows:
            code, name = text(row.get("code")), text(row.get("name"))
            problems = row.problems()
            if not code:
                problems.append(texts.OFFICIAL_CODE_MISSING)
            elif len(code) > 64:
                problems.append(texts.OFFICIAL_CODE_TOO_LONG)
            elif code in seen:
                problems.append(texts.OFFICIAL_CODE_DUPLICATE.format(code=code, row=seen[code]))
            else:
                seen[code] = row.number
            if not name:
                problems.append(texts.OFFICIAL_NAME_MISSING)
            unit_key = text(row.get("unit"))
            unit = find_unit(units, unit_key) if unit_key else None
            if not unit_key:
                problems.append(texts.OFFICIAL_UNIT_MISSING)
            elif unit is None:
                problems.append(texts.OFFICIAL_UNIT_UNKNOWN.format(unit=unit_key))
            role = ROLE_WORDS.get(fold_key(text(row.get("role"))))
            if role is None:
                problems.append(texts.OFFICIAL_ROLE_INVALID.format(value=text(row.get("role"))))
            status = STATUS_WORDS.get(fold_key(text(row.get("status"))))
            if status is None:
                problems.append(
                    texts.OFFICIAL_STATUS_INVALID.format(value=text(row.get("status"))))
            cells: dict[str, Any] = {
                "name": name, "title": text(row.get("title")) or None,
                "email": text(row.get("email")) or None, "phone": _phone(text(row.get("phone"))) or None}
            problems += too_long(cells, _LIMITS)
            concurrent = self._concurrent_units(text(row.get("concurrent")), unit, status, problems)
            if role == "head" and unit is not None and status == "active" and not problems:
                concurrent.add(unit.id)  # the home unit first, then the units held concurrently
            if not problems:
                for other in sorted(concurrent, key=lambda u: u != (unit.id if unit else None)):
                    if other in heads:
                        problems.append(texts.UNIT_HAS_HEAD.format(
                            code=self._unit(other).code, row=heads[other]))
                if not problems:
                    for other in concurrent:
                        heads[other] = str(row.number)
            if problems:
                errors += [RowError(row.number, p) for p in problems]
                continue
            assert unit is not None
            self.parsed[code] = {
                "name": name, "title": cells["title"], "unit_id": unit.id, "role": role,
                "email": cells["email"], "phone": cells["phone"], "status": status}
            if self.column:
                self.concurrent[code] = concurrent - {unit.id}
            else:  # no column: the concurrent posts stored stay while the official is active
                stored = self.officials.get(code)
                self.concurrent[code] = set() if stored is None or status != "active" else {
                    u for u in self.stored_concurrent.get(stored.id, set()) if u != unit.id}
        return errors + self._stored_heads_stay(seen)

    def _unit(self, unit_id: int) -> Unit:
        return next(u for u in self.units if u.id == unit_id)

    def _concurrent_units(self, cell: str, unit: Unit | None, status: str | None,
                          problems: list[str]) -> set[int]:
        """The units named in the row's concurrent-headship cell (problems appended)."""
        found: set[int] = set()
        for key in (k.strip() for k in _SEPARATORS.split(cell)):
            if not key:
                continue
            other = find_unit(self.units, key)
            if other is None:
                problems.append(texts.CONCURRENT_UNIT_UNKNOWN.format(
                    unit=key, column=self.column_header))
            elif unit is not None and other.id == unit.id:
                problems.append(texts.CONCURRENT_OWN_UNIT.format(code=other.code))
            elif status == "inactive":
                problems.append(texts.CONCURRENT_INACTIVE.format(code=other.code))
            else:
                found.add(other.id)
        return found

    def _claims(self, code: str) -> set[int]:
        """The units a parsed row makes its official head of: home unit (role head) and
        concurrent posts."""
        values = self.parsed[code]
        home = {values["unit_id"]} if values["role"] == "head" and values["status"] == "active" \
            else set()
        return home | self.concurrent.get(code, set())

    def _stored_heads_stay(self, rows: dict[str, int]) -> list[RowError]:
        """A new head is refused while the unit's stored active head stays head: one whose row is
        not imported (not in the file, or its row rejected: a partial import leaves it out, and
        the official stays as stored), and a head of another unit holding the post concurrently
        who keeps it. Taking a row out can leave another stored head in place (a head moved to
        lead another unit), so until nothing changes."""
        stored: dict[int, list[Official]] = {}
        for official in self.officials.values():
            if official.role == "head" and official.status == "active" \
                    and official.unit_id is not None:
                stored.setdefault(official.unit_id, []).append(official)
        holders: dict[int, Official] = {}
        by_id = {o.id: o for o in self.officials.values()}
        for official_id, unit_ids in self.stored_concurrent.items():
            if by_id[official_id].status == "active":
                for unit_id in unit_ids:
                    holders[unit_id] = by_id[official_id]
        errors: list[RowError] = []
        refused = True
        while refused:
            refused = False
            for code in list(self.parsed):
                for unit_id in sorted(self._claims(code)):
                    unit = self._unit(unit_id)
                    other = next((o for o in stored.get(unit_id, [])
                                  if o.code != code and o.code not in self.parsed), None)
                    holder = holders.get(unit_id)
                    if other is not None:
                        message = texts.UNIT_HAS_STORED_HEAD.format(
                            code=unit.code, name=other.name, other=other.code)
                    elif holder is not None and holder.code != code and (
                            holder.code not in self.parsed or unit_id in self._claims(holder.code)):
                        message = texts.UNIT_HAS_CONCURRENT_HEAD.format(
                            code=unit.code, name=holder.name, other=holder.code,
                            column=HEADER_ALIASES["concurrent"][0])
                    else:
                        continue
                    errors.append(RowError(rows[code], message))
                    del self.parsed[code]
                    self.concurrent.pop(code, None)
                    refused = True
                    break
        return errors

    def created_line(self, code: str, values: dict[str, Any]) -> str:
        """The official's code and name."""
        return f"{code}: {values['name']}"

    def changes(self, code: str, values: dict[str, Any]) -> list[str]:
        """Every column whose value differs from the official's."""
        official = self.officials[code]
        changed = [_COLUMN_HEADERS[k] for k, v in values.items() if getattr(official, k) != v]
        if self.concurrent.get(code, set()) != self.stored_concurrent.get(official.id, set()):
            changed.append(_COLUMN_HEADERS["concurrent"])
        return changed

    async def apply(self, session: AsyncSession, now: datetime) -> None:
        """Officials created or updated, then the units' head slots."""
        existing, units = self.officials, self.units
        for code, values in self.parsed.items():
            official = existing.get(code)
            if official is None:
                official = Official(code=code, absent=False, created_at=now, **values)
                session.add(official)
                existing[code] = official
            else:
                for key, value in values.items():
                    setattr(official, key, value)
        await session.flush()
        by_unit = {u.id: u for u in units}
        for code in self.parsed:
            official = existing[code]
            leads = self._claims(code)
            for unit in units:  # no longer head there (role changed, moved, or left): freed
                if unit.head_official_id == official.id and unit.id not in leads:
                    unit.head_official_id = None
            for unit_id in leads:
                by_unit[unit_id].head_official_id = official.id


def _phone(value: str) -> str:
    """A phone number as written, with the leading 0 Excel drops from a number cell (0901234567
    typed into a General cell is 901234567; Zalo's template messages by phone need the 0 or 84).
    Nine or ten digits never carry the country code 84 (84 and a mobile is 11 digits, 84 and a
    landline 12): 845123456 is VinaPhone's 0845123456, 2438123456 a landline's 02438123456."""
    if value.isdigit() and len(value) in (9, 10) and not value.startswith("0"):
        return "0" + value
    return value
