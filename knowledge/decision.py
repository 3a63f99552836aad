"""The answer decision: a logistic model over retrieval features → answer, tentative or decline.

The weights ship in knowledge/decision_weights.json; `bench/train_decision.py` reproduces them from the
shared evaluation sets and troly's own questions (cross-validated across guides; docs/benchmarks.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from knowledge.features import FEATURE_NAMES, FEATURE_SCHEMA
from knowledge.types import Outcome

WEIGHTS_FILE = "decision_weights.json"


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Standardized logistic regression plus the two probability cut-offs and the close-guides ratio."""

    schema: str
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    answer_at: float
    tentative_at: float
    close_gap: float

    def probability(self, features: tuple[float, ...]) -> float:
        """Estimated probability that the best passage comes from the guide that answers the question."""
        z = self.intercept
        for x, m, s, w in zip(features, self.mean, self.scale, self.coef, strict=True):
            z += w * standardize(x, m, s)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def outcome(self, probability: float) -> Outcome:
        """Answer above the upper cut-off, tentative between the two, decline below."""
        if probability >= self.answer_at:
            return "answer"
        if probability >= self.tentative_at:
            return "tentative"
        return "decline"

    def as_json(self) -> dict[str, Any]:
        """The stored form (decision_weights.json)."""
        return {
            "schema": self.schema,
            "features": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "answer_at": self.answer_at,
            "tentative_at": self.tentative_at,
            "close_gap": self.close_gap,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DecisionModel:
        """Read the stored form; refuses weights made for other features."""
        names = tuple(str(n) for n in data["features"])
        if names != FEATURE_NAMES or data["schema"] != FEATURE_SCHEMA:
            raise ValueError(
                "decision weights do not match the feature extractor: "
                "re-run bench/train_decision.py"
            )
        return cls(
            schema=str(data["schema"]),
            names=names,
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
            answer_at=float(data["answer_at"]),
            tentative_at=float(data["tentative_at"]),
            close_gap=float(data["close_gap"]),
        )


#: standardized features are clipped to this many standard deviations: a search unlike any seen in
#: training (a ten-passage index, a 300-word question) must not be decided by one extreme feature
CLIP = 3.0


def standardize(value: float, mean: float, scale: float) -> float:
    """(value − mean) / scale, clipped to ±CLIP."""
    return max(-CLIP, min(CLIP, (value - mean) / scale))


@cache
def shipped_model() -> DecisionModel:
    """The model shipped inside the package (read once, on first use)."""
    text = resources.files("knowledge").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    return DecisionModel.from_json(json.loads(text))
