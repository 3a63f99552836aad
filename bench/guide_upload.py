"""What the chat upload's "Lưu" costs now that the file is parsed once (bot/guide_import.py).

    flock /work/wt/.bench.lock .venv/bin/python bench/guide_upload.py [--pages 300] [--repeats 3]

Builds a PDF of `--pages` pages with a Vietnamese text layer (fpdf2), then
times, in CPU seconds of this thread (`time.thread_time`, best of `--repeats`): parsing it
(`knowledge.ingest.parse_file`: what the summary costs, and what "Lưu" cost again before), and
encoding the parsed guide for pending_uploads plus decoding it back (what "Lưu" costs now
instead). Prints the sizes too: the file, the parsed text, the stored blob.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from bot.guide_import import decode_parsed, encode_parsed  # noqa: E402
from knowledge.ingest import parse_file  # noqa: E402
from knowledge.types import IngestLimits  # noqa: E402

PARAGRAPH = ("Bộ phận một cửa tiếp nhận hồ sơ của công dân, kiểm tra thành phần hồ sơ và trả "
             "kết quả đúng hẹn; trường hợp hồ sơ chưa đầy đủ, cán bộ hướng dẫn một lần bằng "
             "văn bản để công dân bổ sung. ")


FONT = ROOT / "scheduler" / "fonts" / "DejaVuSans-vi.ttf"


def _pdf(pages: int) -> bytes:
    """A PDF with a Vietnamese text layer: a bookmarked article and four paragraphs a page."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    for page in range(pages):
        pdf.add_page()
        heading = f"Điều {page + 1}. Trình tự thực hiện bước {page + 1}"
        pdf.start_section(heading, level=0)
        pdf.set_font("DejaVu", size=14)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9)
        for _ in range(4):
            pdf.multi_cell(0, 5, PARAGRAPH * 3, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _best(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        work()
        times.append(time.thread_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    content = _pdf(args.pages)
    limits = IngestLimits(max_bytes=200 * 1024 * 1024, max_pdf_pages=max(1000, args.pages))
    parsed = parse_file("dai.pdf", content, limits=limits)
    blob = encode_parsed(parsed)
    assert decode_parsed(blob) == parsed
    parse_s = _best(args.repeats, lambda: parse_file("dai.pdf", content, limits=limits))
    keep_s = _best(args.repeats, lambda: decode_parsed(encode_parsed(parsed)))
    text = sum(len(s.text.encode()) for s in parsed.sections)
    print(f"pdf: {args.pages} pages, {len(content) / 1e6:.1f} MB; {len(parsed.sections)} passages, "
          f"text {text / 1e6:.2f} MB; stored parsed blob {len(blob) / 1e6:.2f} MB")
    print(f"parse_file: {parse_s:.2f} s CPU (the summary; 'Lưu' parsed again before)")
    print(f"encode+decode parsed: {keep_s:.3f} s CPU ('Lưu' now)")
    print(f"'Lưu' before/after: {parse_s / keep_s:.0f}x less CPU")


if __name__ == "__main__":
    main()
