"""Read queries of the stations app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound
from stations.models import Occupation, Region


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as error:
        raise NotFound(_("No region has the code %(code)s.") % {"code": code}) from error


def regions_under(*, region: Region, include_self: bool = True) -> QuerySet[Region]:
    """The region's whole subtree, at any depth, in one indexed prefix query."""
    subtree = Region.objects.filter(path__startswith=region.path)
    return subtree if include_self else subtree.exclude(pk=region.pk)


def occupations_under(*, occupation: Occupation) -> QuerySet[Occupation]:
    return Occupation.objects.filter(path__startswith=occupation.path)


def trades_list() -> QuerySet[Occupation]:
    """The occupations that seekers hold as skills and posts ask for."""
    return Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code")
