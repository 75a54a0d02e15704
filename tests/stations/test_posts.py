from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.errors import Conflict, DomainError, IllegalTransition
from stations.models import JobPost
from stations.models.posts import PostStatus
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.posts import (
    POST_TRANSITIONS,
    EmployerNotVerified,
    post_create,
    post_move,
    post_open,
    posts_expire,
)
from tests.factories import (
    EmployerFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    region,
    trade,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()

LEGAL_MOVES = [
    (current, target) for current, targets in POST_TRANSITIONS.items() for target in targets
]
ILLEGAL_MOVES = [
    (current, target)
    for current in PostStatus
    for target in PostStatus
    if target not in POST_TRANSITIONS[current]
]


def make_post(**fields) -> JobPost:
    fields.setdefault("starts_on", TODAY)
    fields.setdefault("ends_on", TODAY + dt.timedelta(days=4))
    return PostFactory(**fields)


def set_status(post: JobPost, status: PostStatus) -> None:
    """Put a post in a state directly, bypassing the services."""
    JobPost.objects.filter(pk=post.pk).update(status=status)
    post.refresh_from_db()


def hire_someone(post: JobPost, *, by=None) -> None:
    application = application_create(
        post=post, seeker=SeekerFactory(), source="counter", by=by, now=NOW
    )
    terms = PlacementTerms(
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=post.starts_on,
        ends_on=post.ends_on,
        outcome="flexible",
    )
    application_hire(application=application, terms=terms, by=by, now=NOW)


def test_the_table_names_every_status():
    assert set(POST_TRANSITIONS) == set(PostStatus)
    assert len(LEGAL_MOVES) + len(ILLEGAL_MOVES) == len(PostStatus) ** 2


def test_every_illegal_post_move_is_refused_and_changes_nothing(clerk):
    post = make_post()
    history_before = post.history.count()
    not_refused = []
    for current, target in ILLEGAL_MOVES:
        set_status(post, current)
        try:
            post_move(post=post, to=target, by=clerk, now=NOW)
        except IllegalTransition:
            pass
        else:
            not_refused.append((current.value, target.value))
        post.refresh_from_db()
        assert post.status == current
    assert not_refused == []
    assert post.history.count() == history_before


def test_an_open_post_cannot_be_opened_again(clerk):
    post = make_post(status=PostStatus.OPEN)

    with pytest.raises(IllegalTransition):
        post_open(post=post, by=clerk, now=NOW)


def test_an_expired_post_cannot_be_reopened_even_after_its_last_day(clerk):
    post = make_post(ends_on=TODAY, status=PostStatus.EXPIRED)

    with pytest.raises(IllegalTransition):
        post_open(post=post, by=clerk, now=NOW + dt.timedelta(days=3))


def test_every_legal_post_move_is_made(clerk):
    not_made = []
    for current, target in LEGAL_MOVES:
        post = make_post(status=current)
        moved = post_move(post=post, to=target, by=clerk, now=NOW)
        post.refresh_from_db()
        if not (moved.status == post.status == target):
            not_made.append((current.value, target.value, post.status))
    assert not_made == []


def test_cancelling_is_refused_once_someone_is_hired(clerk):
    post = make_post(openings=2)
    hire_someone(post, by=clerk)

    with pytest.raises(Conflict):
        post_move(post=post, to=PostStatus.CANCELLED, by=clerk, now=NOW)
    post.refresh_from_db()
    assert post.status == PostStatus.OPEN

    closed = post_move(post=post, to=PostStatus.CLOSED, by=clerk, now=NOW)
    assert closed.status == PostStatus.CLOSED


def test_a_draft_post_of_an_unverified_employer_does_not_open(clerk):
    post = make_post(status=PostStatus.DRAFT, employer=EmployerFactory(verified_at=None))

    with pytest.raises(EmployerNotVerified):
        post_open(post=post, by=clerk, now=NOW)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert post.opened_at is None
    assert post.expires_at is None


def test_opening_stamps_the_time_and_expires_at_the_end_of_the_last_day(clerk):
    post = make_post(status=PostStatus.DRAFT, ends_on=dt.date(2026, 3, 6))

    opened = post_open(post=post, by=clerk, now=NOW)

    post.refresh_from_db()
    assert post.status == opened.status == PostStatus.OPEN
    assert post.opened_at == NOW
    assert post.expires_at == dt.datetime(2026, 3, 6, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def test_a_post_worked_at_a_station_opens_without_coordinates_of_its_own(clerk):
    post = make_post(
        status=PostStatus.DRAFT, latitude=None, longitude=None, work_at_station=StationFactory()
    )

    post_open(post=post, by=clerk, now=NOW)

    assert JobPost.objects.get(pk=post.pk, latitude=None).status == PostStatus.OPEN


def test_reopening_keeps_the_first_opening_time(clerk):
    post = make_post(status=PostStatus.DRAFT)
    post_open(post=post, by=clerk, now=NOW)
    post_move(post=post, to=PostStatus.CLOSED, by=clerk, now=NOW + dt.timedelta(hours=1))

    reopened = post_move(post=post, to=PostStatus.OPEN, by=clerk, now=NOW + dt.timedelta(hours=2))

    assert reopened.status == PostStatus.OPEN
    assert reopened.opened_at == NOW


def test_a_post_whose_last_day_has_passed_does_not_open(clerk):
    post = make_post(status=PostStatus.DRAFT, starts_on=TODAY, ends_on=TODAY)

    with pytest.raises(DomainError):
        post_open(post=post, by=clerk, now=NOW + dt.timedelta(days=1))
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_reopening_a_post_whose_openings_are_all_taken_makes_it_filled(clerk):
    post = make_post(openings=1)
    hire_someone(post, by=clerk)
    post.refresh_from_db()
    assert post.status == PostStatus.FILLED
    post_move(post=post, to=PostStatus.CLOSED, by=clerk, now=NOW)

    reopened = post_move(post=post, to=PostStatus.OPEN, by=clerk, now=NOW)

    post.refresh_from_db()
    assert reopened.status == post.status == PostStatus.FILLED


def test_expiry_expires_open_and_filled_posts_whose_time_is_up_once():
    expires_at = NOW - dt.timedelta(minutes=1)
    open_due = make_post(status=PostStatus.OPEN, expires_at=expires_at)
    filled_due = make_post(status=PostStatus.FILLED, expires_at=expires_at)
    due_exactly_now = make_post(status=PostStatus.OPEN, expires_at=NOW)
    open_later = make_post(status=PostStatus.OPEN, expires_at=NOW + dt.timedelta(minutes=1))
    open_without_end = make_post(status=PostStatus.OPEN, expires_at=None)
    draft = make_post(status=PostStatus.DRAFT, expires_at=expires_at)
    closed = make_post(status=PostStatus.CLOSED, expires_at=expires_at)
    cancelled = make_post(status=PostStatus.CANCELLED, expires_at=expires_at)

    assert posts_expire(now=NOW) == 3
    assert posts_expire(now=NOW) == 0

    def status(post: JobPost) -> str:
        post.refresh_from_db()
        return post.status

    assert status(open_due) == PostStatus.EXPIRED
    assert status(filled_due) == PostStatus.EXPIRED
    assert status(due_exactly_now) == PostStatus.EXPIRED
    assert status(open_later) == PostStatus.OPEN
    assert status(open_without_end) == PostStatus.OPEN
    assert status(draft) == PostStatus.DRAFT
    assert status(closed) == PostStatus.CLOSED
    assert status(cancelled) == PostStatus.CANCELLED
    assert open_due.history.count() == 2  # created, then expired once


def test_expiry_catches_the_later_post_when_its_time_comes():
    later = make_post(status=PostStatus.OPEN, expires_at=NOW + dt.timedelta(hours=1))

    assert posts_expire(now=NOW) == 0
    assert posts_expire(now=NOW + dt.timedelta(hours=1)) == 1
    later.refresh_from_db()
    assert later.status == PostStatus.EXPIRED


def test_an_opened_post_expires_after_its_last_day(clerk):
    post = make_post(status=PostStatus.DRAFT, ends_on=dt.date(2026, 3, 6))
    post_open(post=post, by=clerk, now=NOW)

    assert posts_expire(now=dt.datetime(2026, 3, 6, 23, 59, tzinfo=SHANGHAI)) == 0
    assert posts_expire(now=dt.datetime(2026, 3, 7, 0, 0, tzinfo=SHANGHAI)) == 1


def test_history_records_who_changed_the_status(clerk):
    post = make_post(status=PostStatus.DRAFT)

    post_open(post=post, by=clerk, now=NOW)
    opened = post.history.first()
    other_clerk = UserFactory(username="other-clerk")
    post_move(post=post, to=PostStatus.CLOSED, by=other_clerk, now=NOW)
    closed = post.history.first()

    assert opened.status == PostStatus.OPEN
    assert opened.history_user == clerk
    assert closed.status == PostStatus.CLOSED
    assert closed.history_user == other_clerk
    assert closed.history_type == "~"


def test_history_of_an_expiry_names_nobody():
    post = make_post(status=PostStatus.OPEN, expires_at=NOW)

    posts_expire(now=NOW)

    entry = post.history.first()
    assert entry.status == PostStatus.EXPIRED
    assert entry.history_user is None


def test_a_new_post_is_a_draft_and_its_history_names_its_author(clerk):
    post = post_create(
        reference="LZ-2026-0001",
        employer=EmployerFactory(),
        title="搬运工",
        occupation=trade(),
        wage_amount=Decimal("200.00"),
        wage_unit="day",
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=2),
        region=region("620102"),
        station=None,
        by=clerk,
        latitude=36.06,
        longitude=103.84,
        openings=3,
    )

    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert post.openings == 3
    assert post.opened_at is None
    assert post.history.first().history_user == clerk
    assert post.history.first().history_type == "+"


@pytest.mark.parametrize(
    ("reference", "ends_on", "error"),
    [
        ("LZ-2026-0002", TODAY - dt.timedelta(days=1), DomainError),
        ("TAKEN", TODAY, Conflict),
    ],
    ids=["ends-before-it-starts", "reference-taken"],
)
def test_a_new_post_is_refused_when_its_dates_or_reference_are_wrong(
    clerk, reference, ends_on, error
):
    make_post(reference="TAKEN")

    with pytest.raises(error) as raised:
        post_create(
            reference=reference,
            employer=EmployerFactory(),
            title="搬运工",
            occupation=trade(),
            wage_amount=Decimal("200.00"),
            wage_unit="day",
            starts_on=TODAY,
            ends_on=ends_on,
            region=region("620102"),
            station=None,
            by=clerk,
            latitude=36.06,
            longitude=103.84,
        )
    assert raised.value.field_errors
    assert JobPost.objects.count() == 1
