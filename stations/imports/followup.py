"""Import kinds of the followup area (see stations/imports/__init__.py): ``services``, the
311 services a bureau delivered before it used the suite (docs/import-formats.md)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.imports.base import Outcome, Row, RowError, RowKind, optional_date, required
from stations.imports.records import _seeker as seeker_of_row
from stations.models import JobPost
from stations.models.followup import ServiceKind
from stations.services.followup import service_import

# The kinds as bureaus' own spreadsheets name them, besides the codes and labels.
KIND_NAMES = {
    "job_push": ServiceKind.JOB_PUSH,
    "push": ServiceKind.JOB_PUSH,
    "岗位推送": ServiceKind.JOB_PUSH,
    "training": ServiceKind.TRAINING,
    "培训推荐": ServiceKind.TRAINING,
    "guidance": ServiceKind.GUIDANCE,
    "职业指导": ServiceKind.GUIDANCE,
}


def _kind(row: Row) -> ServiceKind:
    value = required(row, "kind").lower()
    kind = KIND_NAMES.get(value)
    if kind is None:
        for choice in ServiceKind:
            if value == str(choice.label).lower():
                return choice
        raise RowError(
            _("%(value)s is not one of %(codes)s")
            % {"value": repr(value), "codes": "push, training, guidance"},
            column="kind",
        )
    return kind


def _posts(row: Row, kind: ServiceKind) -> list[JobPost]:
    references = [ref.strip() for ref in row.get("post_references", "").split("|") if ref.strip()]
    if references and kind != ServiceKind.JOB_PUSH:
        raise RowError(_("only a push names posts"), column="post_references")
    posts = list(JobPost.objects.filter(reference__in=references))
    unknown = set(references) - {post.reference for post in posts}
    if unknown:
        raise RowError(
            _("no post has the reference %(reference)s") % {"reference": sorted(unknown)[0]},
            column="post_references",
        )
    return posts


def import_service_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    seeker = seeker_of_row(row)
    kind = _kind(row)
    on = optional_date(row, "date")
    if on is None:
        raise RowError(_("is required"), column="date")
    reference = required(row, "reference")
    if len(reference) > 64:
        raise RowError(_("at most 64 characters"), column="reference")
    _record, created = service_import(
        seeker=seeker,
        kind=kind,
        on=on,
        reference=reference,
        posts=_posts(row, kind),
        by=by,
        today=timezone.localdate(now),
    )
    return "created" if created else "unchanged"


KINDS: dict[str, RowKind] = {
    "services": RowKind(("kind", "date", "reference"), import_service_row),
}
