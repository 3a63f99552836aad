"""A unit's week: the names the weekly report always had, and its spreadsheet export.

The report itself is the neutral model of bot/reports/model.py, built by bot/reports/build.py
(rules in that module's docstring); this module keeps the weekly names for its callers.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from bot.dates import fmt_day, fmt_day_month, fmt_day_time
from bot.periods import week_shown
from bot.reports.build import build_weekly_summary, categorize
from bot.reports.model import (
    Blocker,
    OfficialWeek,
    SubunitRollup,
    TaskWeek,
    WeeklySummary,
)
from bot.reports.sheets import append_row, new_workbook
from bot.texts import checkin as T

__all__ = [
    "Blocker", "OfficialWeek", "SubunitRollup", "TaskWeek",
    "WeeklySummary", "build_weekly_summary", "categorize", "export_xlsx", "xlsx_file_name",
]


# ---------------------------------------------------------------- spreadsheet

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
#: the task sheet's column widths (characters). Printed one page wide on A4 landscape, their sum
#: sets the scale: about 200 keeps 11 pt text near 8 pt on paper (the widths of 340 it had
#: printed at about 40 %, 4–5 pt). Headers wrap; long cells wrap and their rows grow.
TASK_COLUMN_WIDTHS = (5, 8, 32, 16, 14, 14, 11, 11, 8, 11, 12, 24, 20, 12)
#: a line of 11 pt Calibri, in points (row heights)
_LINE_POINTS = 15


#: progress values are 0–100 numbers: shown as "40%" without becoming fractions
PERCENT_FORMAT = '0"%"'
PERCENT_FORMAT_DECIMAL = '0.0"%"'


def _print_setup(sheet: Worksheet, header_row: int) -> None:
    """Print on A4 landscape, all columns on one page width, the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.gridLines = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _lines(text: str, width: float) -> int:
    """About how many lines `text` takes wrapped in a column `width` characters wide."""
    per_line = max(1, int(width) - 2)  # wrapping at spaces leaves part of a line empty
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


def _wrap_rows(sheet: Worksheet, first_row: int) -> None:
    """Wrap the cells from `first_row` on (a long unit name stays whole) and size the rows."""
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            cell.alignment = _WRAP
    _fit_rows(sheet, first_row)


def _fit_rows(sheet: Worksheet, first_row: int) -> None:
    """Set each row's height to its wrapped text (LibreOffice keeps a one-line default,
    clipping the rest, when a row has none)."""
    for row in sheet.iter_rows(min_row=first_row):
        lines = max((_lines(str(cell.value), sheet.column_dimensions[cell.column_letter].width)
                     for cell in row if cell.value is not None), default=1)
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = lines * _LINE_POINTS


def _fmt_time(instant: datetime | None) -> str:
    return fmt_day_time(instant) if instant else ""


def _period_text(summary: WeeklySummary) -> str:
    if summary.period.kind != "week":
        return summary.period.label_with_dates
    return T.WEEK_TITLE.format(week=week_shown(summary.iso_week), start=fmt_day_month(summary.week_start),
                               end=fmt_day(summary.week_end))


def _scope_text(summary: WeeklySummary) -> str:
    """The unit's name, or the plan's reference with its title."""
    scope = summary.scope
    if scope.kind == "plan" and scope.plan_title and scope.plan_title != scope.name:
        return T.XLSX_PLAN_NAME.format(plan=scope.name, title=scope.plan_title)
    return scope.name


def task_headers(summary: WeeklySummary) -> tuple[str, ...]:
    """The task sheet's headers ('next week' becomes 'next period' past a week)."""
    if summary.period.kind == "week":
        return T.XLSX_TASK_HEADERS
    return tuple(T.XLSX_NEXT_PERIOD_HEADER if h == T.XLSX_TASK_HEADERS[12] else h
                 for h in T.XLSX_TASK_HEADERS)


def export_xlsx(summary: WeeklySummary) -> bytes:
    """The week (or any period) as an .xlsx: one row per task, a sheet of who reported, a sheet of
    sub-units. The title block names the unit (or plan), the period with its dates and the instant
    the figures describe."""
    book = new_workbook()
    sheet = book.active
    sheet.title = T.XLSX_TASKS_SHEET
    append_row(sheet, [T.XLSX_TITLE.format(unit=_scope_text(summary), period=_period_text(summary),
                                           as_of=_fmt_time(summary.as_of))])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = task_headers(summary)
    append_row(sheet, headers)
    for cell in sheet[2]:
        cell.font, cell.alignment = _BOLD, _HEADER_WRAP
    for n, task in enumerate(summary.tasks, start=1):
        blockers = "\n".join(f"{b.official}: {b.text}" for b in task.blockers)
        append_row(sheet, [n, task.code, task.title, task.lead_unit or "", ", ".join(task.co_units),
                      ", ".join(task.responsible), task.deadline, task.deadline_text or "",
                      task.progress, task.status_label, T.CATEGORY_LABELS[task.category],
                      blockers, "\n".join(task.next_plans), task.evidence or ""])
        sheet.cell(row=sheet.max_row, column=7).number_format = "DD/MM/YYYY"
        # progress stays a number 0–100 (sums, filters) and is shown with a percent sign
        sheet.cell(row=sheet.max_row, column=9).number_format = PERCENT_FORMAT
    for letter, width, header in zip("ABCDEFGHIJKLMN", TASK_COLUMN_WIDTHS, headers, strict=True):
        # a header wraps at its spaces: the column holds its longest word
        sheet.column_dimensions[letter].width = max(width, *(len(w) + 2 for w in header.split()))
    _print_setup(sheet, header_row=2)
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = _WRAP
    _fit_rows(sheet, first_row=2)
    sheet.freeze_panes = "A3"

    people = book.create_sheet(T.XLSX_PEOPLE_SHEET)
    append_row(people, T.XLSX_PEOPLE_HEADERS)
    for cell in people[1]:
        cell.font = _BOLD
    for official in summary.officials:
        append_row(people, [official.name, official.unit_name,
                       T.XLSX_ON_LEAVE if official.on_leave else T.YES if official.reported else T.NO,
                       T.YES if official.late else T.NO,
                       _fmt_time(official.submitted_at), official.skipped_reason or "",
                       T.YES if official.revised_late else T.NO])
    for letter, width, header in zip("ABCDEFG", (28, 28, 14, 12, 18, 30, 18),
                                     T.XLSX_PEOPLE_HEADERS, strict=True):
        people.column_dimensions[letter].width = max(width, len(header) + 2)
    _print_setup(people, header_row=1)
    _wrap_rows(people, first_row=2)

    if summary.subunits:
        subs = book.create_sheet(T.XLSX_SUBUNITS_SHEET)
        append_row(subs, T.XLSX_SUBUNIT_HEADERS)
        for cell in subs[1]:
            cell.font = _BOLD
        for sub in summary.subunits:
            append_row(subs, [sub.unit_name, sub.reported, sub.total, sub.avg_progress, sub.task_count,
                         sub.overdue])
            subs.cell(row=subs.max_row, column=4).number_format = PERCENT_FORMAT_DECIMAL
        subs.column_dimensions["A"].width = 32
        for letter, header in zip("BCDEF", T.XLSX_SUBUNIT_HEADERS[1:], strict=False):
            subs.column_dimensions[letter].width = len(header) + 2
        _print_setup(subs, header_row=1)
        _wrap_rows(subs, first_row=2)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_file_name(summary: WeeklySummary) -> str:
    """A file name for the export, ASCII only (e.g. 'tien-do-DV1-2026-W48.xlsx')."""
    return f"tien-do-{summary.unit_id}-{summary.iso_week}.xlsx"
