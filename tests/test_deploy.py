"""compose.yaml and deploy/nginx.conf agree: the troly processes sit behind the proxy only, so they
trust the client address it forwards (else every web chat user is the proxy's one address and the
per-address rate limit, shared by the processes on PostgreSQL, is one budget for everybody)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _services(compose: str) -> dict[str, str]:
    """Each top-level service's block of compose.yaml (two-space indented names)."""
    body = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    parts = re.split(r"^  ([\w-]+):", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_proxy_forwards_the_client_address() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx


def test_the_troly_processes_are_reached_only_through_the_proxy_and_trust_it() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    services = _services(compose)
    troly = [name for name, block in services.items() if "<<: *troly" in block]
    assert {"troly-1", "troly-2"} <= set(troly)
    assert [name for name in troly if "ports:" in services[name]] == []
    anchor = compose.split("x-troly: &troly", 1)[1].split("\nservices:\n", 1)[0]
    assert "ports:" not in anchor
    assert re.search(r"^\s+TROLY_WEB_TRUST_PROXY: \$\{TROLY_WEB_TRUST_PROXY:-true\}$", anchor, re.M)
