"""Applications and placements: one lifecycle from applying or being referred to the end of
the work, each step recorded with who and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from core.transitions import check_transition
from stations.models import (
    HOLDS_OPENING,
    Application,
    ApplicationEvent,
    JobPost,
    JobSeeker,
    Placement,
)
from stations.models.placements import ApplicationStatus as AppStatus
from stations.models.posts import PostStatus
from stations.selectors.eligibility import missing_certificates
from stations.services.changes import placement_made, post_opened, seeker_changed
from stations.services.posts import POST_TRANSITIONS

APPLICATION_TRANSITIONS: dict[AppStatus, frozenset[AppStatus]] = {
    AppStatus.APPLIED: frozenset(
        {
            AppStatus.CONTACTED,
            AppStatus.INTERVIEWED,
            AppStatus.HIRED,
            AppStatus.REJECTED,
            AppStatus.WITHDRAWN,
        }
    ),
    AppStatus.REFERRED: frozenset(
        {
            AppStatus.CONTACTED,
            AppStatus.INTERVIEWED,
            AppStatus.HIRED,
            AppStatus.REJECTED,
            AppStatus.WITHDRAWN,
        }
    ),
    AppStatus.CONTACTED: frozenset(
        {AppStatus.INTERVIEWED, AppStatus.HIRED, AppStatus.REJECTED, AppStatus.WITHDRAWN}
    ),
    AppStatus.INTERVIEWED: frozenset({AppStatus.HIRED, AppStatus.REJECTED, AppStatus.WITHDRAWN}),
    AppStatus.HIRED: frozenset({AppStatus.STARTED, AppStatus.NO_SHOW, AppStatus.WITHDRAWN}),
    AppStatus.STARTED: frozenset({AppStatus.COMPLETED}),
    AppStatus.COMPLETED: frozenset(),
    AppStatus.NO_SHOW: frozenset(),
    AppStatus.WITHDRAWN: frozenset(),
    AppStatus.REJECTED: frozenset(),
}

# Moves that have their own service because they do more than change the status.
_MOVES_WITH_THEIR_OWN_SERVICE = {AppStatus.HIRED, AppStatus.STARTED, AppStatus.COMPLETED}


class NotEligible(DomainError):
    code = "not_eligible"


@dataclass(frozen=True)
class PlacementTerms:
    agreed_wage_amount: Decimal
    agreed_wage_unit: str
    starts_on: dt.date
    ends_on: dt.date | None
    outcome: str
    written_agreement: bool = False


def _record(
    application: Application,
    *,
    to: AppStatus,
    by: User | None,
    now: dt.datetime,
    note: str = "",
) -> None:
    ApplicationEvent.objects.create(
        application=application,
        from_status=application.status if application.pk else "",
        to_status=to,
        at=now,
        actor=by,
        note=note,
    )


@transaction.atomic
def application_create(
    *,
    post: JobPost,
    seeker: JobSeeker,
    source: str,
    by: User | None,
    now: dt.datetime,
    note: str = "",
) -> Application:
    """A seeker applies, or staff refer them; only to an open post."""
    # The caller's copy of the post may be stale (filled or closed meanwhile): read its status
    # under the post's lock, first in the same order as the hiring services.
    post = JobPost.objects.select_for_update().get(pk=post.pk)
    if post.status != PostStatus.OPEN:
        raise Conflict(
            _("The post is %(status)s: it takes no applications.")
            % {"status": post.get_status_display()}
        )
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    staff_sources = {Application.Source.REFERRAL, Application.Source.DISPATCH}
    status = AppStatus.REFERRED if source in staff_sources else AppStatus.APPLIED
    application = Application(
        post=post, seeker=seeker, status="", source=source, status_changed_at=now
    )
    try:
        with transaction.atomic():
            application.status = status
            application.save()
    except IntegrityError as error:
        raise Conflict(_("This seeker already has a live application for this post.")) from error
    ApplicationEvent.objects.create(
        application=application, from_status="", to_status=status, at=now, actor=by, note=note
    )
    return application


def _move(
    application: Application,
    to: AppStatus,
    *,
    by: User | None,
    now: dt.datetime,
    note: str,
) -> None:
    check_transition(APPLICATION_TRANSITIONS, application.status, to, what=_("application"))
    _record(application, to=to, by=by, now=now, note=note)
    application.status = to
    application.status_changed_at = now
    application.save(update_fields=["status", "status_changed_at", "updated_at"])
    # Bookings and reliability feed matching.
    seeker_changed(application.seeker_id)


def _locked_post_and_application(application: Application) -> tuple[JobPost, Application]:
    # Lock order everywhere: post, then application, then seeker. Two counters hiring for
    # the same post queue on the post's row; a hire and a withdrawal never deadlock.
    post = JobPost.objects.select_for_update().get(pk=application.post_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    return post, application


def _release_opening(post: JobPost, *, by: User | None) -> None:
    """A hire fell through: a filled post takes applications again."""
    if post.status == PostStatus.FILLED:
        check_transition(POST_TRANSITIONS, post.status, PostStatus.OPEN, what=_("post"))
        post.status = PostStatus.OPEN
        post._history_user = by  # type: ignore[attr-defined]
        post.save(update_fields=["status", "updated_at"])
        post_opened(post.pk)


@transaction.atomic
def application_move(
    *,
    application: Application,
    to: AppStatus,
    by: User | None,
    now: dt.datetime,
    note: str = "",
) -> Application:
    """Contacted, interviewed, rejected, withdrawn, no-show: the moves without side terms."""
    if to in _MOVES_WITH_THEIR_OWN_SERVICE:
        raise DomainError(
            _("Use the %(action)s action: it records more than the status.") % {"action": to}
        )
    post, application = _locked_post_and_application(application)
    held_an_opening = application.status in HOLDS_OPENING
    _move(application, to, by=by, now=now, note=note)
    if held_an_opening and to not in HOLDS_OPENING:
        _release_opening(post, by=by)
    return application


def _overlapping_placement_exists(seeker: JobSeeker, terms: PlacementTerms) -> bool:
    # Two spans overlap when each starts before the other ends; a placement without an end
    # runs on indefinitely, the new one as much as the existing ones.
    overlapping = Placement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=terms.starts_on),
        application__seeker=seeker,
        application__status__in=[AppStatus.HIRED, AppStatus.STARTED],
    )
    if terms.ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=terms.ends_on)
    return overlapping.exists()


@transaction.atomic
def application_hire(
    *,
    application: Application,
    terms: PlacementTerms,
    by: User | None,
    now: dt.datetime,
    note: str = "",
) -> Placement:
    """Hire the applicant: never beyond the post's openings, even under concurrent hires."""
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        raise DomainError(
            _("The work cannot end before it starts."),
            field_errors={"ends_on": [_("must be on or after the start date")]},
        )
    post, application = _locked_post_and_application(application)
    seeker = JobSeeker.objects.select_for_update().get(pk=application.seeker_id)
    if post.status != PostStatus.OPEN:
        raise Conflict(
            _("The post is %(status)s: nobody more can be hired.")
            % {"status": post.get_status_display()}
        )
    holders = post.applications.filter(status__in=HOLDS_OPENING).count()
    if holders >= post.openings:
        raise Conflict(_("Every opening of this post is taken."))
    missing = missing_certificates(seeker=seeker, post=post, on=terms.starts_on)
    if missing:
        names = ", ".join(str(kind) for kind in missing)
        raise NotEligible(
            _("The seeker lacks valid certificates this post requires: %(names)s.")
            % {"names": names}
        )
    if _overlapping_placement_exists(seeker, terms):
        raise NotEligible(_("The seeker is already hired for work on these dates."))
    _move(application, AppStatus.HIRED, by=by, now=now, note=note)
    placement = Placement(
        application=application,
        agreed_wage_amount=terms.agreed_wage_amount,
        agreed_wage_unit=terms.agreed_wage_unit,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        outcome=terms.outcome,
        written_agreement=terms.written_agreement,
    )
    try:
        placement.full_clean(exclude=["application"], validate_constraints=False)
    except ValidationError as error:
        raise DomainError.from_validation_errors(
            error, _("The hire's terms are not valid.")
        ) from error
    placement._history_user = by  # type: ignore[attr-defined]
    placement.save()
    placement_made(placement, now=now)
    if holders + 1 >= post.openings:
        check_transition(POST_TRANSITIONS, post.status, PostStatus.FILLED, what=_("post"))
        post.status = PostStatus.FILLED
        post._history_user = by  # type: ignore[attr-defined]
        post.save(update_fields=["status", "updated_at"])
    return placement


@transaction.atomic
def placement_start(
    *, placement: Placement, by: User | None, now: dt.datetime, note: str = ""
) -> Placement:
    """The worker checked in."""
    _, application = _locked_post_and_application(placement.application)
    _move(application, AppStatus.STARTED, by=by, now=now, note=note)
    placement.started_at = now
    placement._history_user = by  # type: ignore[attr-defined]
    placement.save(update_fields=["started_at", "updated_at"])
    return placement


@transaction.atomic
def placement_complete(
    *, placement: Placement, by: User | None, now: dt.datetime, note: str = ""
) -> Placement:
    _, application = _locked_post_and_application(placement.application)
    _move(application, AppStatus.COMPLETED, by=by, now=now, note=note)
    placement.completed_at = now
    if placement.ends_on is None or placement.ends_on > timezone.localdate(now):
        placement.ends_on = max(placement.starts_on, timezone.localdate(now))
    placement._history_user = by  # type: ignore[attr-defined]
    placement.save(update_fields=["completed_at", "ends_on", "updated_at"])
    return placement
