"""Job fairs: the fair's status machine, booths, registrations and check-in at the gate,
live-broadcast viewers and applications from the stream, the engine's booth suggestions
before a fair, and intentions followed up until they become hires or lapse."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.errors import Conflict, DomainError
from core.tasks import enqueue_on_commit
from core.transitions import check_transition
from stations.models import (
    Application,
    Booth,
    Employer,
    FairRegistration,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    OverdueRule,
    Placement,
    Region,
    Station,
)
from stations.models.fairs import FairFormat, FairStatus, IntentionStatus, RegistrationSource
from stations.models.followup import OverdueKind
from stations.models.posts import PostStatus
from stations.services.applications import application_create
from stations.services.dispatch import seeker_from_check_in_code

FAIR_TRANSITIONS: dict[FairStatus, frozenset[FairStatus]] = {
    FairStatus.PLANNED: frozenset({FairStatus.UNDER_WAY, FairStatus.CANCELLED}),
    # A fair cut short (weather, a power cut) was still held: what was reached there counts.
    FairStatus.UNDER_WAY: frozenset({FairStatus.HELD}),
    FairStatus.HELD: frozenset(),
    FairStatus.CANCELLED: frozenset(),
}
INTENTION_TRANSITIONS: dict[IntentionStatus, frozenset[IntentionStatus]] = {
    IntentionStatus.OPEN: frozenset({IntentionStatus.HIRED, IntentionStatus.LAPSED}),
    IntentionStatus.HIRED: frozenset(),
    IntentionStatus.LAPSED: frozenset(),
}
# Without an overdue rule for idle intentions (a bureau switched it off), this many days.
DEFAULT_INTENTION_IDLE_DAYS = 7
# At most this many booths are named in one message (a text message stays short).
SUGGESTED_BOOTHS = 5
# Booth posts the engine weighs: those a seeker can still be hired for or that open at the fair.
SUGGESTIBLE_POST_STATUSES = (PostStatus.OPEN, PostStatus.DRAFT)
LIVE_STATUSES = (FairStatus.PLANNED, FairStatus.UNDER_WAY)
# When beat tells the seekers registered for tomorrow's fairs which booths suit them
# (stations.fairs_tomorrow_notify; migration 0009 schedules it at 18:00). From then on, up
# to the fair's end, someone who registers is told at once.
BOOTH_SUGGESTIONS_AT = dt.time(18, 0)

# Fields of a fair that change through an edit; the status moves only through fair_move and
# viewers only through fair_viewers_record.
EDITABLE_FAIR_FIELDS = frozenset(
    {
        "name",
        "format",
        "series",
        "region",
        "station",
        "venue",
        "stream_url",
        "starts_at",
        "ends_at",
        "latitude",
        "longitude",
        "description",
    }
)


def fair_reference_new(now: dt.datetime) -> str:
    """A fresh reference for a fair entered without one: the day and a random tail."""
    return f"F{timezone.localdate(now):%Y%m%d}-{secrets.token_hex(4).upper()}"


def intention_idle_days() -> int:
    """Days an intention may wait for its next follow-up (the ``intention_idle`` rule)."""
    rule = OverdueRule.objects.filter(kind=OverdueKind.INTENTION_IDLE, active=True).first()
    return rule.days if rule is not None else DEFAULT_INTENTION_IDLE_DAYS


def _save(record: Any, by: User | None, fields: list[str] | None = None) -> None:
    record._history_user = by  # simple-history's who
    if fields is None:
        record.save()
    else:
        record.save(update_fields=[*fields, "updated_at"])


def fair_validate(fair: JobFair) -> None:
    """Refuse a fair without its place (a venue, a stream), with wrong times or half its
    coordinates; forms call it to show the reasons by the fields."""
    if fair.starts_at is not None and fair.ends_at is not None and fair.ends_at <= fair.starts_at:
        raise DomainError(
            _("A fair must end after it starts."),
            field_errors={"ends_at": [_("must be after the start")]},
        )
    if fair.format == FairFormat.ON_SITE and not fair.venue.strip():
        raise DomainError(
            _("An on-site fair needs its venue."),
            field_errors={"venue": [_("This field cannot be blank.")]},
        )
    if fair.format == FairFormat.LIVE and not fair.stream_url.strip():
        raise DomainError(
            _("A live broadcast needs the address of its stream."),
            field_errors={"stream_url": [_("This field cannot be blank.")]},
        )
    if (fair.latitude is None) != (fair.longitude is None):
        raise DomainError(
            _("Give a fair's latitude and longitude together."),
            field_errors={"latitude": [_("give latitude and longitude together")]},
        )
    try:
        fair.full_clean(exclude=["reference"], validate_constraints=False)
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, _("The fair is not valid.")) from error


@transaction.atomic
def fair_create(
    *,
    name: str,
    format: str,
    region: Region,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: User | None,
    reference: str = "",
    station: Station | None = None,
    series: str = JobFair.Series.NONE,
    venue: str = "",
    stream_url: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    description: str = "",
    status: str = FairStatus.PLANNED,
) -> JobFair:
    """A new fair, planned unless ``status`` says otherwise (imports bring held fairs in).
    Without a reference one is made up."""
    fair = JobFair(
        reference=reference or fair_reference_new(timezone.now()),
        name=name,
        format=format,
        series=series,
        region=region,
        station=station,
        venue=venue,
        stream_url=stream_url,
        starts_at=starts_at,
        ends_at=ends_at,
        latitude=latitude,
        longitude=longitude,
        description=description,
        status=status,
    )
    fair_validate(fair)
    if JobFair.objects.filter(reference=fair.reference).exists():
        raise Conflict(
            _("A fair with the reference %(reference)s exists already.")
            % {"reference": fair.reference},
            field_errors={"reference": [_("already used")]},
        )
    _save(fair, by)
    return fair


@transaction.atomic
def fair_update(*, fair: JobFair, by: User | None, **changes: Any) -> JobFair:
    """Change a fair's details (name, times, venue or stream...), with its history."""
    unknown = set(changes) - EDITABLE_FAIR_FIELDS
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    fair = JobFair.objects.select_for_update().get(pk=fair.pk)
    if fair.status == FairStatus.CANCELLED:
        raise Conflict(_("A cancelled fair is not changed any more."))
    for field, value in changes.items():
        setattr(fair, field, value)
    fair_validate(fair)
    _save(fair, by)
    return fair


def _locked_fair(fair: JobFair) -> JobFair:
    return JobFair.objects.select_for_update().get(pk=fair.pk)


@transaction.atomic
def fair_move(*, fair: JobFair, to: FairStatus, by: User | None, now: dt.datetime) -> JobFair:
    """Open (under way), close (held) or cancel (a planned fair only) through the table of
    legal moves. Closing puts the open intentions on the follow-up lists."""
    fair = _locked_fair(fair)
    check_transition(FAIR_TRANSITIONS, fair.status, to, what=_("fair"))
    fair.status = to
    _save(fair, by, ["status"])
    if to == FairStatus.HELD:
        # The rule's N days from the close: "after a fair, unconverted intentions enter
        # follow-up lists". A date staff set already stays.
        deadline = _follow_up_deadline(timezone.localdate(now))
        waiting = list(
            fair.intentions.select_for_update().filter(
                status=IntentionStatus.OPEN, follow_up_by__isnull=True
            )
        )
        for intention in waiting:
            intention.follow_up_by = deadline
            intention.updated_at = now
        bulk_update_with_history(
            waiting, Intention, ["follow_up_by", "updated_at"], default_user=by
        )
    return fair


def fair_open(*, fair: JobFair, by: User | None, now: dt.datetime) -> JobFair:
    return fair_move(fair=fair, to=FairStatus.UNDER_WAY, by=by, now=now)


def fair_close(*, fair: JobFair, by: User | None, now: dt.datetime) -> JobFair:
    return fair_move(fair=fair, to=FairStatus.HELD, by=by, now=now)


@transaction.atomic
def fair_viewers_record(*, fair: JobFair, viewers: int, by: User | None) -> JobFair:
    """The number of people who watched a live broadcast, as its platform reports it."""
    fair = _locked_fair(fair)
    if fair.format != FairFormat.LIVE:
        raise DomainError(
            _("Only a live broadcast has viewers."), field_errors={"viewers": [_("not live")]}
        )
    if fair.status not in (FairStatus.UNDER_WAY, FairStatus.HELD):
        raise DomainError(_("The broadcast has not started."))
    if viewers < 0:
        raise DomainError(
            _("Viewers cannot be fewer than none."), field_errors={"viewers": [_("out of range")]}
        )
    fair.viewers = viewers
    _save(fair, by, ["viewers"])
    return fair


# Booths.


@transaction.atomic
def booth_set(
    *,
    fair: JobFair,
    employer: Employer,
    by: User | None,
    label: str | None = None,
    jobs_offered: int | None = None,
    posts: Iterable[JobPost] | None = None,
) -> Booth:
    """The employer's booth at the fair, taken or changed: its label, the posts it brings
    (the employer's own) and the jobs offered (by default the openings of those posts).
    Setting it again changes only what is given."""
    fair = _locked_fair(fair)
    if fair.status == FairStatus.CANCELLED:
        raise Conflict(_("The fair is cancelled."))
    chosen = list(posts) if posts is not None else None
    foreign = [post for post in chosen or [] if post.employer_id != employer.pk]
    if foreign:
        raise DomainError(
            _("A booth lists its own employer's posts only: %(posts)s.")
            % {"posts": ", ".join(post.reference for post in foreign)},
            field_errors={"posts": [_("another employer's post")]},
        )
    if jobs_offered is not None and jobs_offered < 0:
        raise DomainError(
            _("The jobs offered cannot be fewer than none."),
            field_errors={"jobs_offered": [_("out of range")]},
        )
    booth = Booth.objects.filter(fair=fair, employer=employer).first()
    if booth is None:
        booth = Booth(fair=fair, employer=employer)
    if label is not None:
        booth.label = label.strip()
    if jobs_offered is not None:
        booth.jobs_offered = jobs_offered
    elif chosen is not None and booth.pk is None:
        booth.jobs_offered = sum(post.openings for post in chosen)
    try:
        booth.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, _("The booth is not valid.")) from error
    booth.save()
    if chosen is not None:
        booth.posts.set(chosen)
    return booth


# Registrations and the gate.


def _current(fair: JobFair) -> JobFair:
    """The fair as it is now: the caller's copy may predate an open, close or cancel."""
    return JobFair.objects.get(pk=fair.pk)


def _refuse_merged(seeker: JobSeeker) -> None:
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))


def booth_suggestions_due(fair: JobFair, now: dt.datetime) -> bool:
    """Whether the fair's booth suggestions have gone out (the evening before it starts, see
    ``BOOTH_SUGGESTIONS_AT``) and it has not ended: a seeker registering now is told at
    once, or else never (a same-day fair has no evening before)."""
    if fair.status not in LIVE_STATUSES or fair.ends_at <= now:
        return False
    eve = timezone.localdate(fair.starts_at) - dt.timedelta(days=1)
    return now >= timezone.make_aware(dt.datetime.combine(eve, BOOTH_SUGGESTIONS_AT))


def fair_register(
    *, fair: JobFair, seeker: JobSeeker, source: str, now: dt.datetime
) -> tuple[FairRegistration, bool]:
    """Register a seeker for a fair (from the app, the counter, the gate or the stream);
    registering again changes nothing. Returns the registration and whether it is new.
    Someone registering after the booth suggestions went out gets theirs (after commit, by a
    task: the engine's scoring is no work for a request)."""
    from stations.fair_tasks import fair_booths_notify_task  # the tasks import this module

    _refuse_merged(seeker)
    fair = _current(fair)
    if source != RegistrationSource.IMPORT and fair.status not in LIVE_STATUSES:
        raise Conflict(
            _("The fair is %(status)s: it takes no registrations.")
            % {"status": fair.get_status_display()}
        )
    # get_or_create inserts in a savepoint and reads the winner's row when a concurrent
    # registration of the same person got there first (the unique constraint decides).
    registration, created = FairRegistration.objects.get_or_create(
        fair=fair, seeker=seeker, defaults={"source": source, "registered_at": now}
    )
    if created and source != RegistrationSource.IMPORT and booth_suggestions_due(fair, now):
        enqueue_on_commit(fair_booths_notify_task, fair.pk, [seeker.pk])
    return registration, created


@transaction.atomic
def fair_check_in(*, fair: JobFair, code: str, now: dt.datetime) -> FairRegistration:
    """At the gate: the seeker named by the code scanned from their app is checked in,
    registered on the spot when they were not. Scanning again keeps the first time."""
    seeker = seeker_from_check_in_code(code, today=timezone.localdate(now))
    _refuse_merged(seeker)
    fair = _current(fair)
    if fair.format != FairFormat.ON_SITE:
        raise DomainError(_("Only an on-site fair has a gate."))
    if fair.status not in LIVE_STATUSES:
        raise Conflict(
            _("The fair is %(status)s: nobody checks in.") % {"status": fair.get_status_display()}
        )
    today = timezone.localdate(now)
    if not timezone.localdate(fair.starts_at) <= today <= timezone.localdate(fair.ends_at):
        raise DomainError(_("The fair is not on today."))
    registration, _created = fair_register(
        fair=fair, seeker=seeker, source=RegistrationSource.GATE, now=now
    )
    registration = FairRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration


@transaction.atomic
def fair_apply(
    *,
    fair: JobFair,
    post: JobPost,
    seeker: JobSeeker,
    by: User | None,
    now: dt.datetime,
    registration_source: str | None = None,
) -> Application:
    """An application made at a fair or from its stream (by the seeker in the app, or
    recorded by staff), counted as the fair's; the seeker is registered for the fair if they
    were not: from the stream for a live broadcast, else from ``registration_source`` (the
    app by default)."""
    _refuse_merged(seeker)
    fair = _current(fair)
    if fair.status not in LIVE_STATUSES:
        raise Conflict(
            _("The fair is %(status)s: it takes no applications.")
            % {"status": fair.get_status_display()}
        )
    if not fair.booths.filter(posts=post).exists():
        raise DomainError(
            _("This post is not at the fair."), field_errors={"post": [_("not at the fair")]}
        )
    source: str = RegistrationSource.STREAM
    if fair.format != FairFormat.LIVE:
        source = registration_source or RegistrationSource.APP
    fair_register(fair=fair, seeker=seeker, source=source, now=now)
    application = application_create(
        post=post, seeker=seeker, source=Application.Source.FAIR, by=by, now=now
    )
    application.fair = fair
    application.save(update_fields=["fair", "updated_at"])
    return application


# Booth suggestions before the fair.


def fair_booth_suggestions(
    *, fair: JobFair, now: dt.datetime, seeker_ids: Collection[int] | None = None
) -> dict[int, list[Booth]]:
    """For each registered seeker (by id; those of ``seeker_ids`` only, when given), the
    booths whose posts suit them, best first: the matching engine scores every registered
    seeker against every post at the fair, as the morning dispatch does for the people
    present (a snapshot of the few, built on the spot). Seekers no booth suits are left
    out."""
    # Matching builds on stations: imported on use, as stations.services.changes does.
    from matching.engine import SeekerSnapshot
    from matching.engine.matcher import score_matrix
    from matching.selectors.policy import config_for_region
    from matching.selectors.snapshot import post_record, seeker_columns, taxonomy_load

    booths = list(
        fair.booths.select_related("employer").prefetch_related(
            "posts__region", "posts__required_certificates"
        )
    )
    posts: list[JobPost] = []
    booth_of: list[Booth] = []
    for booth in booths:
        for post in booth.posts.all():
            if post.status in SUGGESTIBLE_POST_STATUSES:
                posts.append(post)
                booth_of.append(booth)
    registrations = fair.registrations.filter(seeker__merged_into__isnull=True)
    if seeker_ids is not None:
        registrations = registrations.filter(seeker_id__in=list(seeker_ids))
    registered = sorted(registrations.values_list("seeker_id", flat=True))
    if not posts or not registered:
        return {}
    today = timezone.localdate(now)
    taxonomy = taxonomy_load()
    snapshot = SeekerSnapshot.from_columns(
        taxonomy, seeker_columns(taxonomy, today=today, now=now, ids=registered)
    )
    seeker_ids = [seeker_id for seeker_id in registered if seeker_id in snapshot.row_of]
    scores = score_matrix(
        [post_record(post) for post in posts],
        seeker_ids,
        snapshot,
        config=config_for_region(fair.region),
        today=today.toordinal(),
    )
    suggestions: dict[int, list[Booth]] = {}
    for row, seeker_id in enumerate(seeker_ids):
        best: dict[int, float] = {}
        for column, score in enumerate(scores[row]):
            if score == float("-inf"):
                continue
            booth = booth_of[column]
            best[booth.pk] = max(best.get(booth.pk, score), score)
        if best:
            by_pk = {booth.pk: booth for booth in booths}
            ranked = sorted(best, key=lambda pk: (-best[pk], pk))
            suggestions[seeker_id] = [by_pk[pk] for pk in ranked[:SUGGESTED_BOOTHS]]
    return suggestions


def _booth_names(booths: Iterable[Booth]) -> str:
    return ", ".join(f"{booth.label} {booth.employer.name}".strip() for booth in booths)


def _where(fair: JobFair) -> dict[str, str] | str:
    if fair.format == FairFormat.ON_SITE:
        return fair.venue
    if fair.stream_url:
        return fair.stream_url
    return {"zh-hans": "线上", "en": "online"}


@transaction.atomic
def fair_booths_notify(
    *, fair: JobFair, now: dt.datetime, seeker_ids: Collection[int] | None = None
) -> int:
    """Tell each registered seeker (of ``seeker_ids`` only, when given) which booths suit
    them, once per fair and seeker however often this runs (the outbox's dedup key); how
    many were told this time."""
    from matching.services.outbox import notify_seeker

    if fair.status not in LIVE_STATUSES:
        return 0
    suggestions = fair_booth_suggestions(fair=fair, now=now, seeker_ids=seeker_ids)
    seekers = JobSeeker.objects.in_bulk(list(suggestions))
    starts_at = timezone.localtime(fair.starts_at).strftime("%Y-%m-%d %H:%M")
    told = 0
    for seeker_id, booths in suggestions.items():
        written = notify_seeker(
            seeker=seekers[seeker_id],
            template="fair_booths",
            context={
                "fair": fair.name,
                "starts_at": starts_at,
                "venue": _where(fair),
                "booths": _booth_names(booths),
                "fair_id": fair.pk,
            },
            dedup_key=f"fair-booths:{fair.pk}:{seeker_id}",
            now=now,
        )
        told += bool(written)
    return told


# Intentions.


def _follow_up_deadline(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=intention_idle_days())


@transaction.atomic
def intention_record(
    *,
    fair: JobFair,
    seeker: JobSeeker,
    employer: Employer,
    by: User | None,
    now: dt.datetime,
    post: JobPost | None = None,
    reached_at: dt.datetime | None = None,
    note: str = "",
    assigned_to: User | None = None,
    follow_up_by: dt.date | None = None,
) -> Intention:
    """A preliminary employment intention reached at the fair between a seeker and an
    employer with a booth there (for one of its posts, when known). Recording it again
    changes nothing but a post named for the first time. The one who records it follows it
    up unless someone else is named; the first follow-up is due ``follow_up_by`` or, at a
    fair that was held, in the rule's N days (at one under way, from its close)."""
    _refuse_merged(seeker)
    fair = _current(fair)
    if fair.status not in (FairStatus.UNDER_WAY, FairStatus.HELD):
        raise Conflict(
            _("The fair is %(status)s: no intentions are reached there.")
            % {"status": fair.get_status_display()}
        )
    if not fair.booths.filter(employer=employer).exists():
        raise DomainError(
            _("%(employer)s has no booth at this fair.") % {"employer": employer.name},
            field_errors={"employer": [_("no booth at the fair")]},
        )
    if post is not None and post.employer_id != employer.pk:
        raise DomainError(
            _("The post is another employer's."),
            field_errors={"post": [_("another employer's post")]},
        )
    existing = (
        Intention.objects.select_for_update()
        .filter(fair=fair, seeker=seeker, employer=employer)
        .first()
    )
    if existing is not None:
        if post is not None and existing.post_id is None:
            existing.post = post
            _save(existing, by, ["post"])
        return existing
    intention = Intention(
        fair=fair,
        seeker=seeker,
        employer=employer,
        post=post,
        reached_at=reached_at or now,
        note=note.strip(),
        assigned_to=assigned_to or by,
        # At a fair still under way the deadline is set when it closes.
        follow_up_by=follow_up_by
        or (
            _follow_up_deadline(timezone.localdate(now)) if fair.status == FairStatus.HELD else None
        ),
    )
    _save(intention, by)
    return intention


def _locked_open(intention: Intention) -> Intention:
    intention = Intention.objects.select_for_update().get(pk=intention.pk)
    if intention.status != IntentionStatus.OPEN:
        raise Conflict(
            _("This intention is closed (%(status)s).") % {"status": intention.get_status_display()}
        )
    return intention


def _note_line(note: str, by: User | None, now: dt.datetime) -> str:
    who = by.get_username() if by is not None else "-"
    return f"[{timezone.localtime(now):%Y-%m-%d %H:%M} {who}] {note.strip()}"


@transaction.atomic
def intention_follow_up(
    *,
    intention: Intention,
    note: str,
    by: User | None,
    now: dt.datetime,
    follow_up_by: dt.date | None = None,
) -> Intention:
    """Staff followed the intention up (called the seeker or the employer): the note joins
    its log and the next follow-up is due in the rule's N days, or on the date given."""
    if not note.strip():
        raise DomainError(
            _("Say what came of the follow-up."),
            field_errors={"note": [_("This field cannot be blank.")]},
        )
    intention = _locked_open(intention)
    today = timezone.localdate(now)
    if follow_up_by is not None and follow_up_by < today:
        raise DomainError(
            _("The next follow-up cannot be in the past."),
            field_errors={"follow_up_by": [_("in the past")]},
        )
    line = _note_line(note, by, now)
    intention.note = f"{intention.note}\n{line}" if intention.note else line
    intention.follow_up_by = follow_up_by or _follow_up_deadline(today)
    _save(intention, by, ["note", "follow_up_by"])
    return intention


@transaction.atomic
def intention_assign(*, intention: Intention, to: User | None, by: User | None) -> Intention:
    """Who follows the intention up."""
    intention = _locked_open(intention)
    intention.assigned_to = to
    _save(intention, by, ["assigned_to"])
    return intention


@transaction.atomic
def intention_lapse(
    *, intention: Intention, by: User | None, now: dt.datetime, note: str = ""
) -> Intention:
    """The intention came to nothing (the seeker found other work, the employer filled the
    post): it leaves the follow-up lists."""
    intention = Intention.objects.select_for_update().get(pk=intention.pk)
    check_transition(
        INTENTION_TRANSITIONS, intention.status, IntentionStatus.LAPSED, what=_("intention")
    )
    intention.status = IntentionStatus.LAPSED
    intention.closed_at = now
    intention.follow_up_by = None
    if note.strip():
        line = _note_line(note, by, now)
        intention.note = f"{intention.note}\n{line}" if intention.note else line
    _save(intention, by, ["status", "closed_at", "follow_up_by", "note"])
    return intention


def intentions_convert(*, placement: Placement, now: dt.datetime) -> None:
    """Someone was hired (called by ``placement_made`` inside the hire's transaction): an
    open intention of theirs with that employer becomes a hire linked to the placement. An
    intention naming a post converts only on a hire for that post; one naming the very post
    goes before one naming none, then the most recent."""
    application = placement.application
    post = application.post
    candidate = (
        Intention.objects.select_for_update()
        .filter(
            Q(post__isnull=True) | Q(post_id=post.pk),
            seeker_id=application.seeker_id,
            employer_id=post.employer_id,
            status=IntentionStatus.OPEN,
        )
        .annotate(
            same_post=Case(
                When(post_id=post.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("same_post", "-reached_at", "-pk")
        .first()
    )
    if candidate is not None:
        _hired(candidate, placement, by=None, now=now)


def _hired(
    intention: Intention, placement: Placement, *, by: User | None, now: dt.datetime
) -> None:
    check_transition(
        INTENTION_TRANSITIONS, intention.status, IntentionStatus.HIRED, what=_("intention")
    )
    intention.status = IntentionStatus.HIRED
    intention.placement = placement
    intention.closed_at = now
    intention.follow_up_by = None
    _save(intention, by, ["status", "placement", "closed_at", "follow_up_by"])


@transaction.atomic
def intention_hired(
    *, intention: Intention, placement: Placement, by: User | None, now: dt.datetime
) -> Intention:
    """Link an intention to the placement it became (a hire recorded before the intention
    was, e.g. both imported from a bureau's history)."""
    intention = Intention.objects.select_for_update().get(pk=intention.pk)
    application = placement.application
    if (application.seeker_id, application.post.employer_id) != (
        intention.seeker_id,
        intention.employer_id,
    ):
        raise DomainError(
            _("The placement is not this seeker's with this employer."),
            field_errors={"placement": [_("another seeker's or employer's")]},
        )
    if Intention.objects.filter(placement=placement).exclude(pk=intention.pk).exists():
        raise Conflict(_("Another intention became this placement already."))
    _hired(intention, placement, by=by, now=now)
    return intention
