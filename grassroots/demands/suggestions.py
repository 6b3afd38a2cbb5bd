"""Smart-dispatch suggestions on the intake page: the classifier's top 3 (category, lead unit, confidence).

The classifier (grassroots/demands/classifier.py) is Django-free and may be missing or untrained; then the
page simply shows no suggestions.
"""

import logging
from dataclasses import dataclass

from grassroots.demands.models import Category, Unit
from grassroots.demands.selectors import find_route

logger = logging.getLogger(__name__)
MIN_TEXT = 4


@dataclass(frozen=True)
class ShownSuggestion:
    category: Category
    unit: Unit | None
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def suggest(text: str, k: int = 3, *, area=None) -> list[ShownSuggestion]:
    """The classifier's top ``k``. A unit code the classifier knows only as a kind of unit (苏木乡镇人民政府,
    卫生院 …) is resolved to the unit the responsibility list names for that category in ``area``."""
    text = (text or "").strip()[:2000]
    if len(text) < MIN_TEXT:
        return []
    try:
        from grassroots.demands import classifier  # noqa: PLC0415 - optional: intake works without the classifier
    except ImportError:
        return []
    try:
        raw = classifier.suggest(text, k=k)
    except Exception:  # an untrained or broken model must not break intake
        logger.warning("classifier.suggest failed", exc_info=True)
        return []
    categories = {c.code: c for c in Category.objects.filter(code__in=[s.category_code for s in raw], is_active=True)}
    units = {u.code: u for u in Unit.objects.filter(code__in=[s.unit_code for s in raw if s.unit_code], is_active=True)}
    shown = []
    for s in raw:
        category = categories.get(s.category_code)
        if category is None:
            continue
        unit = units.get(s.unit_code)
        if unit is None and area is not None:
            route = find_route(category=category, area=area)
            unit = route.lead_unit if route else None
        shown.append(ShownSuggestion(category, unit, float(s.confidence)))
    return shown[:k]
