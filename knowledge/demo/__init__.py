"""troly's bundled demo guides (Markdown, invented references, for trying troly without real documents)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

_SUFFIX = ".md"


@dataclass(frozen=True, slots=True)
class DemoGuide:
    """One bundled guide: a stable slug (its file name without .md), the file name, and its bytes."""

    slug: str
    file_name: str
    content: bytes


def demo_guides() -> tuple[DemoGuide, ...]:
    """All bundled demo guides, sorted by file name (read from the package at call time)."""
    folder = resources.files(__name__)
    files = sorted(
        (entry for entry in folder.iterdir() if entry.is_file() and entry.name.endswith(_SUFFIX)),
        key=lambda entry: entry.name,
    )
    return tuple(
        DemoGuide(entry.name.removesuffix(_SUFFIX), entry.name, entry.read_bytes())
        for entry in files
    )
