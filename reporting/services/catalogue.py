"""Writing the indicator catalogue (reporting/catalogue.py) into the database."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from reporting import definitions
from reporting.catalogue import CATALOGUE, Spec
from reporting.models import Indicator, IndicatorVersion, Measure
from reporting.services.rollups import facts_rebuild


def _version_differs(version: IndicatorVersion | None, spec: Spec) -> bool:
    return version is None or (version.measure, version.definition) != (
        spec.measure,
        spec.definition,
    )


@transaction.atomic
def indicators_sync(*, now: dt.datetime | None = None) -> list[IndicatorVersion]:
    """Create or update every indicator; a definition that changed becomes a new version
    (the old one superseded, its facts kept) and the new version's facts are computed.
    Returns the versions made."""
    now = now or timezone.now()
    made: list[IndicatorVersion] = []
    for order, spec in enumerate(CATALOGUE):
        definitions.validate(spec.definition, ratio=spec.measure == Measure.RATIO)
        indicator, _created = Indicator.objects.update_or_create(
            code=spec.code,
            defaults={
                "name_zh_hans": spec.name_zh_hans,
                "name_en": spec.name_en,
                "unit": spec.unit,
                "section": spec.section,
                "sort_order": order,
                "at_most_100": spec.at_most_100,
            },
        )
        current = indicator.versions.filter(superseded_at__isnull=True).first()
        if not _version_differs(current, spec):
            assert current is not None
            if (current.description_en, current.description_zh_hans) != (
                spec.description_en,
                spec.description_zh_hans,
            ):
                current.description_en = spec.description_en
                current.description_zh_hans = spec.description_zh_hans
                current.save(update_fields=["description_en", "description_zh_hans"])
            continue
        number = 1
        if current is not None:
            current.superseded_at = now
            current.save(update_fields=["superseded_at"])
            number = current.number + 1
        made.append(
            IndicatorVersion.objects.create(
                indicator=indicator,
                number=number,
                measure=spec.measure,
                definition=spec.definition,
                description_en=spec.description_en,
                description_zh_hans=spec.description_zh_hans,
            )
        )
    facts_rebuild([v.pk for v in made if v.measure != Measure.RATIO])
    return made
