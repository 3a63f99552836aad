"""The digest chart drawn with Pillow: bars to scale, colours by completion, every Vietnamese letter
in the shipped font (no empty boxes), long labels cut with '…', an empty week still a chart."""

from __future__ import annotations

from io import BytesIO
from typing import cast

from PIL import Image, ImageDraw

from scheduler.chart import DONE, PARTIAL, SCALE, _font, bar_chart

VIETNAMESE = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứự"
              "vxyỳỷỹýỵ")


def _bars(png: bytes) -> list[tuple[tuple[int, int, int], int, int]]:
    """(colour, first x, last x) of each bar, top to bottom."""
    image = Image.open(BytesIO(png)).convert("RGB")
    bars: list[tuple[tuple[int, int, int], int, int]] = []
    seen_rows: set[tuple[tuple[int, int, int], int, int]] = set()
    for y in range(image.height):
        # an "RGB" image's pixel is an (r, g, b) tuple; Pillow types getpixel for every mode
        row = [cast(tuple[int, int, int], image.getpixel((x, y))) for x in range(image.width)]
        coloured = [x for x, pixel in enumerate(row) if pixel in (DONE, PARTIAL)]
        if not coloured:
            continue
        key = (row[coloured[0]], coloured[0], coloured[-1])
        if key not in seen_rows:
            seen_rows.add(key)
            bars.append(key)
    return bars


def test_bars_are_to_scale_and_coloured_by_completion() -> None:
    png = bar_chart("Tiến độ nhiệm vụ (%) — Xã An Bình, 2026-W48", ["NV01", "NV02", "NV03"],
                    [100.0, 50.0, 0.0])
    assert png.startswith(b"\x89PNG")
    (full_colour, start, full_end), (half_colour, half_start, half_end) = _bars(png)
    assert (full_colour, half_colour) == (DONE, PARTIAL) and half_start == start
    assert abs((half_end - start) * 2 - (full_end - start)) <= 2 * SCALE  # 50% is half of 100%


def test_every_vietnamese_letter_has_a_glyph() -> None:
    font = _font(12)

    def ink(text: str) -> bytes:
        image = Image.new("L", (60 * SCALE, 40 * SCALE))
        ImageDraw.Draw(image).text((4, 4), text, font=font, fill=255)
        return image.tobytes()

    missing = ink("\uffff")  # a character the font lacks draws the empty box
    letters = VIETNAMESE + VIETNAMESE.upper() + "₫–—…"
    assert [c for c in letters if ink(c) == missing] == []


def test_long_labels_are_cut_and_an_empty_week_is_still_a_chart() -> None:
    long = bar_chart("Tiến độ", ["Phòng Văn hóa - Thông tin huyện " * 5], [30.0])
    assert Image.open(BytesIO(long)).width == 640 * SCALE
    empty = bar_chart("Tiến độ nhiệm vụ (%)", [], [])
    assert Image.open(BytesIO(empty)).height > 0 and _bars(empty) == []
