"""The digest's progress chart: horizontal bars drawn with Pillow (PNG), labels in Vietnamese.

Pillow alone instead of matplotlib: the chart is bars, labels and a scale, and matplotlib with its
fonttools, contourpy and kiwisolver was 75 MB of the image, a font cache to build and a writable
config folder to find. The font (DejaVu Sans cut to Vietnamese) ships in scheduler/fonts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

FONT_FILE = "DejaVuSans-vi.ttf"
SCALE = 2  # drawn at twice the size, so the text stays sharp on a phone screen
WIDTH = 640
ROW, BAR = 26, 16
MARGIN, TITLE_HEIGHT, AXIS_HEIGHT = 12, 34, 26
LABEL_MAX = 230
DONE, PARTIAL = (46, 125, 50), (21, 101, 192)
GRID, TEXT, MUTED = (224, 224, 224), (33, 33, 33), (117, 117, 117)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = resources.files("scheduler") / "fonts" / FONT_FILE
    with resources.as_file(path) as file:
        return ImageFont.truetype(str(file), size * SCALE)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """The text, cut with '…' to fit the width."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> bytes:
    """Bars from 0 to 100 (%), one row per label, the value written after each bar (PNG)."""
    rows = list(zip(labels, values, strict=True)) or [("—", 0.0)]
    s = SCALE
    height = TITLE_HEIGHT + ROW * len(rows) + AXIS_HEIGHT + MARGIN
    image = Image.new("RGB", (WIDTH * s, height * s), "white")
    draw = ImageDraw.Draw(image)
    small, normal = _font(11), _font(12)
    label_width = min(LABEL_MAX, max(draw.textlength(label, font=small) for label, _ in rows) / s)
    left = MARGIN + label_width + 8
    right = WIDTH - MARGIN - 44  # room for "100%" after a full bar
    top = TITLE_HEIGHT

    def x(value: float) -> float:
        return (left + (right - left) * max(0.0, min(100.0, value)) / 100) * s

    draw.text((MARGIN * s, 10 * s), _fit(draw, title, normal, (WIDTH - 2 * MARGIN) * s),
              font=normal, fill=TEXT)
    bottom = (top + ROW * len(rows)) * s
    for tick in (0, 25, 50, 75, 100):
        draw.line([(x(tick), top * s), (x(tick), bottom)], fill=GRID, width=s)
        draw.text((x(tick), bottom + 4 * s), str(tick), font=small, fill=MUTED, anchor="mt")
    for i, (label, value) in enumerate(rows):
        middle = (top + ROW * i + ROW / 2) * s
        draw.text(((left - 8) * s, middle), _fit(draw, label, small, label_width * s),
                  font=small, fill=TEXT, anchor="rm")
        if value > 0:
            draw.rectangle([x(0), middle - BAR / 2 * s, x(value), middle + BAR / 2 * s],
                           fill=DONE if value >= 100 else PARTIAL)
        draw.text((x(value) + 4 * s, middle), f"{int(value + 0.5)}%", font=small, fill=TEXT,
                  anchor="lm")
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
