"""Names of reporting periods (weeks, months, quarters, half-years, years) as offices write them."""

from __future__ import annotations

#: quarters are written in Roman numerals ("Quý IV/2026")
ROMAN = ("I", "II", "III", "IV")

LABEL_WEEK = "tuần {number}/{year}"
#: a week in texts that say "tuần {week}" themselves
WEEK_NUMBER = "{number}/{year}"
LABEL_MONTH = "tháng {number}/{year}"
LABEL_QUARTER = "quý {roman}/{year}"
LABEL_HALF = ("6 tháng đầu năm {year}", "6 tháng cuối năm {year}")
LABEL_YEAR = "năm {year}"
#: a label with its dates: "tháng 11/2026 (15/10–14/11/2026)"
WITH_DATES = "{label} ({start}–{end})"

#: the kind of period alone, for sentences like "báo cáo {kind}"
KIND_NAMES = {"week": "tuần", "month": "tháng", "quarter": "quý", "half": "6 tháng",
              "year": "năm"}

BAD_PERIOD = (
    "Kỳ báo cáo \u201c{text}\u201d không hợp lệ. Ví dụ đúng: 2026-W48, tuần 48, 2026-11, "
    "tháng 11, 2026-Q4, quý IV/2026, 6 tháng đầu năm 2026, năm 2026."
)
