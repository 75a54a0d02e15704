"""Job posts: creation and the status machine draft → open → filled/closed/expired/cancelled."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from core.transitions import check_transition
from stations.models import (
    HOLDS_OPENING,
    CertificateKind,
    Employer,
    JobPost,
    Occupation,
    Region,
    Station,
)
from stations.models.posts import PostStatus
from stations.services.changes import post_opened

POST_TRANSITIONS: dict[PostStatus, frozenset[PostStatus]] = {
    PostStatus.DRAFT: frozenset({PostStatus.OPEN, PostStatus.CANCELLED}),
    PostStatus.OPEN: frozenset(
        {PostStatus.FILLED, PostStatus.CLOSED, PostStatus.EXPIRED, PostStatus.CANCELLED}
    ),
    # A filled post reopens when a hire falls through (no-show, withdrawal).
    PostStatus.FILLED: frozenset({PostStatus.OPEN, PostStatus.CLOSED, PostStatus.EXPIRED}),
    PostStatus.CLOSED: frozenset({PostStatus.OPEN}),
    PostStatus.EXPIRED: frozenset(),
    PostStatus.CANCELLED: frozenset(),
}


class EmployerNotVerified(DomainError):
    code = "employer_not_verified"


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of ``day`` in the suite's time zone."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight) - dt.timedelta(microseconds=1)


def opening_holders_count(post: JobPost) -> int:
    return post.applications.filter(status__in=HOLDS_OPENING).count()


def _save(post: JobPost, by: User | None, fields: list[str]) -> None:
    post._history_user = by  # type: ignore[attr-defined]  # simple-history's who
    post.save(update_fields=[*fields, "updated_at"])


def post_reference_new(now: dt.datetime) -> str:
    """A fresh reference for a post entered without one: the day and a random tail."""
    return f"P{timezone.localdate(now):%Y%m%d}-{secrets.token_hex(4).upper()}"


def _validated(post: JobPost, message: str) -> None:
    if post.ends_on is not None and post.starts_on is not None and post.ends_on < post.starts_on:
        raise DomainError(
            _("A post cannot end before it starts."),
            field_errors={"ends_on": [_("must be on or after the start date")]},
        )
    if post.latitude is None and post.work_at_station_id is None:
        raise DomainError(
            _("A post needs a place: its coordinates or the station the work is at."),
            field_errors={"latitude": [_("give the coordinates or a station to work at")]},
        )
    try:
        post.full_clean(exclude=["reference"])
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, message) from error


def _requirements_set(
    post: JobPost,
    required_skills: Iterable[Occupation] | None,
    required_certificates: Iterable[CertificateKind] | None,
) -> None:
    if required_skills is not None:
        post.required_skills.set(required_skills)
    if required_certificates is not None:
        post.required_certificates.set(required_certificates)


@transaction.atomic
def post_create(
    *,
    employer: Employer,
    title: str,
    occupation: Occupation,
    wage_amount: Decimal,
    wage_unit: str,
    starts_on: dt.date,
    ends_on: dt.date,
    region: Region,
    station: Station | None,
    by: User | None,
    reference: str = "",
    required_skills: Iterable[Occupation] | None = None,
    required_certificates: Iterable[CertificateKind] | None = None,
    **details: object,
) -> JobPost:
    """A new post, as a draft; ``details`` are the other fields of ``JobPost``. Without a
    reference one is made up."""
    post = JobPost(
        reference=reference or post_reference_new(timezone.now()),
        employer=employer,
        title=title,
        occupation=occupation,
        wage_amount=wage_amount,
        wage_unit=wage_unit,
        starts_on=starts_on,
        ends_on=ends_on,
        region=region,
        station=station,
        status=PostStatus.DRAFT,
        **details,
    )
    _validated(post, _("The post is not valid."))
    if JobPost.objects.filter(reference=post.reference).exists():
        raise Conflict(
            _("A post with the reference %(reference)s exists already.")
            % {"reference": post.reference},
            field_errors={"reference": [_("already used")]},
        )
    post._history_user = by  # type: ignore[attr-defined]
    post.save()
    _requirements_set(post, required_skills, required_certificates)
    return post


def _locked(post: JobPost) -> JobPost:
    return JobPost.objects.select_for_update().select_related("employer").get(pk=post.pk)


@transaction.atomic
def post_open(*, post: JobPost, by: User | None, now: dt.datetime) -> JobPost:
    """Open a draft or closed post (or reopen a filled one when an opening is free again)."""
    post = _locked(post)
    # The move first: an open post is not opened again, and an expired or cancelled one
    # never reopens, whatever its dates and employer.
    check_transition(POST_TRANSITIONS, post.status, PostStatus.OPEN, what=_("post"))
    if post.employer.verified_at is None:
        raise EmployerNotVerified(
            _("%(employer)s is not verified yet: its posts open once staff verify it.")
            % {"employer": post.employer.name}
        )
    if post.ends_on < timezone.localdate(now):
        raise DomainError(_("This post's last day has passed; change its dates first."))
    target = PostStatus.OPEN
    if opening_holders_count(post) >= post.openings:
        target = PostStatus.FILLED
    post.status = target
    post.opened_at = post.opened_at or now
    if post.expires_at is None or post.expires_at < now:
        post.expires_at = end_of_day(post.ends_on)
    _save(post, by, ["status", "opened_at", "expires_at"])
    if target == PostStatus.OPEN:
        post_opened(post.pk)
    return post


@transaction.atomic
def post_move(*, post: JobPost, to: PostStatus, by: User | None, now: dt.datetime) -> JobPost:
    """Close, cancel, expire, fill or reopen a post through the table of legal moves."""
    if to == PostStatus.OPEN:
        return post_open(post=post, by=by, now=now)
    post = _locked(post)
    check_transition(POST_TRANSITIONS, post.status, to, what=_("post"))
    if to == PostStatus.CANCELLED and opening_holders_count(post):
        raise Conflict(_("People are hired for this post: close it instead of cancelling it."))
    post.status = to
    _save(post, by, ["status"])
    return post


def posts_expire(*, now: dt.datetime) -> int:
    """Expire every open or filled post whose time is up; how many. Safe to run repeatedly
    or concurrently: each post is moved in its own transaction under its row lock."""
    due = JobPost.objects.filter(
        status__in=[PostStatus.OPEN, PostStatus.FILLED], expires_at__lte=now
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(due):
        with transaction.atomic():
            post = JobPost.objects.select_for_update().get(pk=pk)
            if post.status in (PostStatus.OPEN, PostStatus.FILLED) and (
                post.expires_at is not None and post.expires_at <= now
            ):
                post.status = PostStatus.EXPIRED
                _save(post, None, ["status"])
                expired += 1
    return expired


# Fields of a post that change through an edit; the status moves only through post_move.
EDITABLE_POST_FIELDS = frozenset(
    field.name
    for field in JobPost._meta.concrete_fields
    if field.name not in {"id", "reference", "status", "opened_at", "created_at", "updated_at"}
)


@transaction.atomic
def post_update(
    *,
    post: JobPost,
    by: User | None,
    required_skills: Iterable[Occupation] | None = None,
    required_certificates: Iterable[CertificateKind] | None = None,
    **changes: object,
) -> JobPost:
    """Change a post's details (title, wage, dates, openings, place...), with its history."""
    unknown = set(changes) - EDITABLE_POST_FIELDS
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    post = JobPost.objects.select_for_update().get(pk=post.pk)
    for field, value in changes.items():
        setattr(post, field, value)
    _validated(post, _("The post is not valid."))
    holders = opening_holders_count(post)
    if post.openings < holders:
        raise Conflict(
            _("More people are hired than the new number of openings."),
            field_errors={"openings": [_("fewer than the people hired")]},
        )
    # A change of openings may fill an open post or reopen a filled one.
    if post.status == PostStatus.OPEN and holders >= post.openings:
        post.status = PostStatus.FILLED
    elif post.status == PostStatus.FILLED and holders < post.openings:
        post.status = PostStatus.OPEN
    post._history_user = by  # type: ignore[attr-defined]
    post.save()
    _requirements_set(post, required_skills, required_certificates)
    return post
