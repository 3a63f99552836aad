"""The live state of one chat's flow, apart from the flow engine (bot/conversation.py).

Context carries a FlowState; keeping it here lets bot/context.py import it without importing the
conversation module, whose step types name Context (that was an import circle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FlowState:
    """The live state of one chat's flow; `data` must stay JSON-serialisable."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)

    def check_json(self) -> None:
        """Fail early (in the handler's transaction) if data would not survive a restart."""
        json.loads(json.dumps(self.data))
