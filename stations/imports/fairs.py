"""Import kinds of the fairs area (see stations/imports/__init__.py): fairs, their booths
and the intentions reached there, for bureaus bringing their history in. Row by row through
the services; natural keys (the fair's reference; the fair and the employer; the fair, the
seeker and the employer) make a second import change nothing. Formats:
docs/import-formats.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.imports.base import (
    Outcome,
    Row,
    RowError,
    RowKind,
    choice,
    optional_date,
    optional_float,
    optional_int,
    required,
)

# The shared lookups of the other row kinds: regions, stations, employers and seekers by
# the same columns everywhere.
from stations.imports.records import _employer_by_key, _region, _seeker, _station
from stations.models import (
    Booth,
    Employer,
    Intention,
    JobFair,
    JobPost,
    Placement,
)
from stations.models.fairs import FairFormat, FairSeries, FairStatus, IntentionStatus
from stations.services.fairs import (
    booth_set,
    fair_create,
    fair_move,
    fair_update,
    fair_viewers_record,
    intention_hired,
    intention_lapse,
    intention_record,
)

# How an imported fair gets from where it is to the status its row gives.
_STEPS_TO = {
    FairStatus.PLANNED: (),
    FairStatus.UNDER_WAY: (FairStatus.UNDER_WAY,),
    FairStatus.HELD: (FairStatus.UNDER_WAY, FairStatus.HELD),
    FairStatus.CANCELLED: (FairStatus.CANCELLED,),
}


def _moment(row: Row, column: str, *, default: dt.datetime | None = None) -> dt.datetime:
    """A local date and time, ``YYYY-MM-DD HH:MM`` (a date alone is its midnight)."""
    value = row.get(column, "")
    if not value:
        if default is None:
            raise RowError(_("is required"), column=column)
        return default
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise RowError(
            _("%(value)s is not a date and time (YYYY-MM-DD HH:MM)") % {"value": repr(value)},
            column=column,
        ) from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _fair(row: Row) -> JobFair:
    reference = required(row, "fair_reference")
    fair = JobFair.objects.filter(reference=reference).first()
    if fair is None:
        raise RowError(
            _("no fair has the reference %(reference)s") % {"reference": reference},
            column="fair_reference",
        )
    return fair


def _employer(row: Row) -> Employer:
    employer = _employer_by_key(row, prefix="employer_")
    if employer is None:
        raise RowError(
            _("no employer has this credit code or ID number"), column="employer_credit_code"
        )
    return employer


def _post(row: Row, employer: Employer) -> JobPost | None:
    reference = row.get("post_reference", "")
    if not reference:
        return None
    post = JobPost.objects.filter(reference=reference).first()
    if post is None:
        raise RowError(
            _("no post has the reference %(reference)s") % {"reference": reference},
            column="post_reference",
        )
    if post.employer_id != employer.pk:
        raise RowError(_("the post is another employer's"), column="post_reference")
    return post


def import_fair_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    reference = required(row, "reference")
    details: dict[str, Any] = {
        "name": required(row, "name"),
        "format": choice(row, "format", FairFormat),
        "series": choice(row, "series", FairSeries, FairSeries.NONE),
        "region": _region(row),
        "station": _station(row, "station"),
        "venue": row.get("venue", ""),
        "stream_url": row.get("stream_url", ""),
        "starts_at": _moment(row, "starts_at"),
        "ends_at": _moment(row, "ends_at"),
        "latitude": optional_float(row, "latitude"),
        "longitude": optional_float(row, "longitude"),
        "description": row.get("description", ""),
    }
    status = FairStatus(choice(row, "status", FairStatus, FairStatus.PLANNED))
    viewers = optional_int(row, "viewers")
    if viewers is not None and viewers < 0:
        raise RowError(_("cannot be negative"), column="viewers")
    fair = JobFair.objects.filter(reference=reference).first()
    outcome: Outcome = "unchanged"
    if fair is None:
        fair = fair_create(reference=reference, by=by, **details)
        outcome = "created"
    else:
        changed = {name: value for name, value in details.items() if getattr(fair, name) != value}
        if changed:
            fair = fair_update(fair=fair, by=by, **changed)
            outcome = "updated"
    if fair.status != status:
        steps = _STEPS_TO[status]
        current = FairStatus(fair.status)
        if current in steps:
            steps = steps[steps.index(current) + 1 :]
        elif current != FairStatus.PLANNED:
            raise RowError(
                _("the fair is %(status)s already: it does not go back")
                % {"status": current.label},
                column="status",
            )
        for step in steps:
            fair = fair_move(fair=fair, to=step, by=by, now=now)
        outcome = "updated" if outcome == "unchanged" else outcome
    if viewers is not None and viewers != fair.viewers:
        fair_viewers_record(fair=fair, viewers=viewers, by=by)
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _post_list(row: Row, employer: Employer) -> list[JobPost] | None:
    cell = row.get("posts", "")
    if not cell:
        return None
    references = [part.strip() for part in cell.split("|") if part.strip()]
    posts = {post.reference: post for post in JobPost.objects.filter(reference__in=references)}
    missing = [reference for reference in references if reference not in posts]
    if missing:
        raise RowError(
            _("no post has the reference %(reference)s") % {"reference": ", ".join(missing)},
            column="posts",
        )
    foreign = [reference for reference in references if posts[reference].employer_id != employer.pk]
    if foreign:
        raise RowError(
            _("another employer's posts: %(posts)s") % {"posts": ", ".join(foreign)},
            column="posts",
        )
    return [posts[reference] for reference in references]


def import_booth_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    fair = _fair(row)
    employer = _employer(row)
    label = row.get("label", "")
    jobs_offered = optional_int(row, "jobs_offered")
    if jobs_offered is not None and jobs_offered < 0:
        raise RowError(_("cannot be negative"), column="jobs_offered")
    posts = _post_list(row, employer)
    before = Booth.objects.filter(fair=fair, employer=employer).first()
    if before is not None:
        same = (
            before.label == label
            and (jobs_offered is None or before.jobs_offered == jobs_offered)
            and (
                posts is None
                or set(before.posts.values_list("pk", flat=True)) == {post.pk for post in posts}
            )
        )
        if same:
            return "unchanged"
    booth_set(
        fair=fair, employer=employer, label=label, jobs_offered=jobs_offered, posts=posts, by=by
    )
    return "created" if before is None else "updated"


def _placement(intention: Intention) -> Placement:
    placement = (
        Placement.objects.filter(
            application__seeker_id=intention.seeker_id,
            application__post__employer_id=intention.employer_id,
            intention__isnull=True,
        )
        .select_related("application__post")
        .order_by("-starts_on", "-pk")
        .first()
    )
    if placement is None:
        raise RowError(
            _("no placement of this seeker with this employer: import the placement first"),
            column="status",
        )
    return placement


def import_intention_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    fair = _fair(row)
    seeker = _seeker(row)
    employer = _employer(row)
    post = _post(row, employer)
    status = IntentionStatus(choice(row, "status", IntentionStatus, IntentionStatus.OPEN))
    existing = Intention.objects.filter(fair=fair, seeker=seeker, employer=employer).first()
    intention = intention_record(
        fair=fair,
        seeker=seeker,
        employer=employer,
        post=post,
        reached_at=_moment(row, "reached_at", default=fair.starts_at),
        note=row.get("note", ""),
        follow_up_by=optional_date(row, "follow_up_by"),
        by=by,
        now=now,
    )
    outcome: Outcome = "created" if existing is None else "unchanged"
    if existing is not None and existing.post_id != intention.post_id:
        outcome = "updated"
    if intention.status == status:
        return outcome
    if intention.status != IntentionStatus.OPEN:
        raise RowError(
            _("the intention is %(status)s already") % {"status": intention.get_status_display()},
            column="status",
        )
    if status == IntentionStatus.LAPSED:
        intention_lapse(intention=intention, by=by, now=now)
    else:
        intention_hired(intention=intention, placement=_placement(intention), by=by, now=now)
    return "created" if existing is None else "updated"


KINDS: dict[str, RowKind] = {
    "fairs": RowKind(
        ("reference", "name", "format", "region", "starts_at", "ends_at"), import_fair_row
    ),
    # The employer and the seeker are found by one of two columns each: those are checked
    # row by row.
    "booths": RowKind(("fair_reference",), import_booth_row),
    "intentions": RowKind(("fair_reference",), import_intention_row),
}
