from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.errors import Conflict, DomainError, IllegalTransition
from stations.models import (
    Application,
    ApplicationEvent,
    CertificateKind,
    JobPost,
    JobSeeker,
    Placement,
    SeekerCertificate,
)
from stations.models.placements import ApplicationStatus as AppStatus
from stations.models.posts import PostStatus
from stations.selectors.eligibility import certificates_expiring, missing_certificates
from stations.services.applications import (
    APPLICATION_TRANSITIONS,
    NotEligible,
    PlacementTerms,
    application_create,
    application_hire,
    application_move,
    placement_complete,
    placement_start,
)
from stations.services.posts import opening_holders_count
from tests.factories import CertificateKindFactory, PostFactory, SeekerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()

LEGAL_MOVES = [
    (current, target) for current, targets in APPLICATION_TRANSITIONS.items() for target in targets
]
ILLEGAL_MOVES = [
    (current, target)
    for current in AppStatus
    for target in AppStatus
    if target not in APPLICATION_TRANSITIONS[current]
]


def make_post(**fields) -> JobPost:
    fields.setdefault("starts_on", TODAY)
    fields.setdefault("ends_on", TODAY + dt.timedelta(days=4))
    return PostFactory(**fields)


def terms(
    *,
    starts_on: dt.date = TODAY,
    ends_on: dt.date | None = TODAY + dt.timedelta(days=4),
) -> PlacementTerms:
    return PlacementTerms(
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=starts_on,
        ends_on=ends_on,
        outcome="flexible",
    )


def apply(post: JobPost, seeker: JobSeeker | None = None, *, by=None) -> Application:
    return application_create(
        post=post, seeker=seeker or SeekerFactory(), source="counter", by=by, now=NOW
    )


def hire(application: Application, *, by=None, **dates) -> Placement:
    return application_hire(application=application, terms=terms(**dates), by=by, now=NOW)


def status_of(record: Application | JobPost) -> str:
    record.refresh_from_db()
    return record.status


def days(count: int) -> dt.timedelta:
    return dt.timedelta(days=count)


def seeker_user():
    return UserFactory(username="seeker-on-the-app", is_staff=False)


# The status machine


def test_the_table_names_every_status():
    assert set(APPLICATION_TRANSITIONS) == set(AppStatus)
    assert len(LEGAL_MOVES) + len(ILLEGAL_MOVES) == len(AppStatus) ** 2


def _attempt(application: Application, placement: Placement | None, target: AppStatus, by) -> None:
    """Ask for ``target`` through the service that makes that move."""
    if target == AppStatus.HIRED:
        # Dates clear of the placement below, so only the status decides.
        application_hire(application=application, terms=terms(), by=by, now=NOW)
    elif target == AppStatus.STARTED:
        placement_start(placement=placement, by=by, now=NOW)
    elif target == AppStatus.COMPLETED:
        placement_complete(placement=placement, by=by, now=NOW)
    else:
        application_move(application=application, to=target, by=by, now=NOW)


def test_every_illegal_application_move_is_refused_and_records_nothing(clerk):
    post = make_post(openings=5)
    application = apply(post, by=clerk)
    # A placement row lets the start and completion services be asked for every status.
    placement = Placement.objects.create(
        application=application,
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=TODAY + days(300),
        ends_on=TODAY + days(301),
        outcome="flexible",
    )
    events_before = ApplicationEvent.objects.count()
    not_refused = []
    for current, target in ILLEGAL_MOVES:
        Application.objects.filter(pk=application.pk).update(status=current)
        application.refresh_from_db()
        try:
            _attempt(application, placement, target, clerk)
        except IllegalTransition:
            pass
        else:
            not_refused.append((current.value, target.value))
        assert status_of(application) == current
    assert not_refused == []
    assert ApplicationEvent.objects.count() == events_before
    assert status_of(post) == PostStatus.OPEN
    placement.refresh_from_db()
    assert placement.started_at is None
    assert placement.completed_at is None


def test_every_legal_application_move_is_made(clerk):
    not_made = []
    for current, target in LEGAL_MOVES:
        post = make_post(openings=2)
        application = apply(post, by=clerk)
        Application.objects.filter(pk=application.pk).update(status=current)
        application.refresh_from_db()
        placement = None
        if current in (AppStatus.HIRED, AppStatus.STARTED):
            placement = Placement.objects.create(
                application=application,
                agreed_wage_amount=Decimal("220.00"),
                agreed_wage_unit="day",
                starts_on=TODAY,
                ends_on=TODAY + days(4),
                outcome="flexible",
            )
        _attempt(application, placement, target, clerk)
        event = application.events.last()
        if status_of(application) != target or (event.from_status, event.to_status) != (
            current,
            target,
        ):
            not_made.append((current.value, target.value, application.status))
    assert not_made == []


@pytest.mark.parametrize("target", [AppStatus.HIRED, AppStatus.STARTED, AppStatus.COMPLETED])
def test_moves_with_their_own_service_are_refused_by_the_plain_move(clerk, target):
    application = apply(make_post(), by=clerk)

    with pytest.raises(DomainError):
        application_move(application=application, to=target, by=clerk, now=NOW)
    assert status_of(application) == AppStatus.APPLIED
    assert application.events.count() == 1


# The lifecycle


def test_an_application_goes_from_applied_to_completed_and_each_step_is_recorded(clerk):
    counter_clerk = UserFactory(username="counter-clerk")
    post = make_post(openings=2)
    seeker = SeekerFactory()
    at = [NOW + dt.timedelta(hours=hours) for hours in range(6)]

    application = application_create(
        post=post, seeker=seeker, source="app", by=None, now=at[0], note="via app"
    )
    assert application.status == AppStatus.APPLIED
    application_move(
        application=application, to=AppStatus.CONTACTED, by=clerk, now=at[1], note="phoned"
    )
    application_move(application=application, to=AppStatus.INTERVIEWED, by=clerk, now=at[2])
    placement = application_hire(
        application=application, terms=terms(), by=counter_clerk, now=at[3]
    )
    placement = placement_start(placement=placement, by=counter_clerk, now=at[4])
    placement = placement_complete(
        placement=placement, by=clerk, now=dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    )

    application.refresh_from_db()
    assert application.status == AppStatus.COMPLETED
    assert application.status_changed_at == dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    steps = [
        (event.from_status, event.to_status, event.at, event.actor, event.note)
        for event in application.events.all()
    ]
    assert steps == [
        ("", AppStatus.APPLIED, at[0], None, "via app"),
        (AppStatus.APPLIED, AppStatus.CONTACTED, at[1], clerk, "phoned"),
        (AppStatus.CONTACTED, AppStatus.INTERVIEWED, at[2], clerk, ""),
        (AppStatus.INTERVIEWED, AppStatus.HIRED, at[3], counter_clerk, ""),
        (AppStatus.HIRED, AppStatus.STARTED, at[4], counter_clerk, ""),
        (
            AppStatus.STARTED,
            AppStatus.COMPLETED,
            dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI),
            clerk,
            "",
        ),
    ]
    placement.refresh_from_db()
    assert placement.application == application
    assert placement.agreed_wage_amount == Decimal("220.00")
    assert placement.started_at == at[4]
    assert placement.completed_at == dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    assert placement.ends_on == TODAY + days(4)
    assert placement.history.first().history_user == clerk
    # A completed hire still holds its opening.
    assert status_of(post) == PostStatus.OPEN
    assert opening_holders_count(post) == 1


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("app", AppStatus.APPLIED),
        ("counter", AppStatus.APPLIED),
        ("fair", AppStatus.APPLIED),
        ("referral", AppStatus.REFERRED),
        ("dispatch", AppStatus.REFERRED),
    ],
)
def test_staff_referrals_start_as_referred_and_the_rest_as_applied(clerk, source, status):
    application = application_create(
        post=make_post(), seeker=SeekerFactory(), source=source, by=clerk, now=NOW
    )

    assert status_of(application) == status
    event = application.events.get()
    assert (event.from_status, event.to_status, event.actor, event.at) == ("", status, clerk, NOW)


def test_completing_early_ends_the_placement_that_day(clerk):
    application = apply(make_post())
    placement = hire(application, by=clerk, ends_on=TODAY + days(4))
    placement_start(placement=placement, by=clerk, now=NOW)

    placement_complete(placement=placement, by=clerk, now=NOW + days(1))

    placement.refresh_from_db()
    assert placement.ends_on == TODAY + days(1)


def test_completing_an_open_ended_placement_gives_it_an_end(clerk):
    application = apply(make_post())
    placement = hire(application, by=clerk, ends_on=None)
    placement_start(placement=placement, by=clerk, now=NOW)

    placement_complete(placement=placement, by=clerk, now=NOW + days(9))

    placement.refresh_from_db()
    assert placement.ends_on == TODAY + days(9)


def test_a_hire_whose_work_ends_before_it_starts_is_refused(clerk):
    application = apply(make_post())

    with pytest.raises(DomainError) as raised:
        hire(application, by=clerk, starts_on=TODAY + days(2), ends_on=TODAY)
    assert "ends_on" in raised.value.field_errors
    assert status_of(application) == AppStatus.APPLIED
    assert not Placement.objects.exists()


# Openings


def test_the_last_opening_fills_the_post_and_a_further_hire_is_refused(clerk):
    post = make_post(openings=2)
    first, second, third = (apply(post) for _ in range(3))

    hire(first, by=clerk)
    assert status_of(post) == PostStatus.OPEN
    hire(second, by=clerk)
    assert status_of(post) == PostStatus.FILLED
    assert post.history.first().history_user == clerk
    with pytest.raises(Conflict):
        hire(third, by=clerk)

    assert status_of(third) == AppStatus.APPLIED
    assert third.events.count() == 1
    assert not Placement.objects.filter(application=third).exists()
    assert post.applications.filter(status=AppStatus.HIRED).count() == 2


def test_a_hire_is_refused_when_every_opening_is_taken_even_if_the_post_says_open(clerk):
    post = make_post(openings=1)
    first, second = apply(post), apply(post)
    hire(first, by=clerk)
    # Someone forced the post open by hand; the openings still count.
    JobPost.objects.filter(pk=post.pk).update(status=PostStatus.OPEN)

    with pytest.raises(Conflict, match="opening"):
        hire(second, by=clerk)
    assert status_of(second) == AppStatus.APPLIED


@pytest.mark.parametrize("status", [PostStatus.CLOSED, PostStatus.EXPIRED, PostStatus.DRAFT])
def test_nobody_is_hired_for_a_post_that_is_not_open(clerk, status):
    post = make_post()
    application = apply(post)
    JobPost.objects.filter(pk=post.pk).update(status=status)

    with pytest.raises(Conflict):
        hire(application, by=clerk)
    assert status_of(application) == AppStatus.APPLIED


@pytest.mark.parametrize("fall_through", [AppStatus.NO_SHOW, AppStatus.WITHDRAWN])
def test_a_hire_that_falls_through_reopens_the_filled_post(clerk, fall_through):
    post = make_post(openings=1)
    hired, waiting = apply(post), apply(post)
    hire(hired, by=clerk)
    assert status_of(post) == PostStatus.FILLED

    application_move(application=hired, to=fall_through, by=clerk, now=NOW + days(1))

    assert status_of(hired) == fall_through
    assert status_of(post) == PostStatus.OPEN
    assert post.history.first().history_user == clerk
    hire(waiting, by=clerk)
    assert status_of(post) == PostStatus.FILLED


def test_a_no_show_leaves_a_closed_post_closed(clerk):
    post = make_post(openings=1)
    hired = apply(post)
    hire(hired, by=clerk)
    JobPost.objects.filter(pk=post.pk).update(status=PostStatus.CLOSED)

    application_move(application=hired, to=AppStatus.NO_SHOW, by=clerk, now=NOW)

    assert status_of(post) == PostStatus.CLOSED


def test_rejecting_a_candidate_leaves_a_filled_post_filled(clerk):
    post = make_post(openings=1)
    hired, other = apply(post), apply(post)
    hire(hired, by=clerk)

    application_move(application=other, to=AppStatus.REJECTED, by=clerk, now=NOW)

    assert status_of(post) == PostStatus.FILLED


# Certificates


@pytest.fixture
def electrician_post():
    post = make_post()
    post.required_certificates.add(CertificateKindFactory())
    return post


def test_a_hire_without_the_required_certificate_is_refused(clerk, electrician_post):
    application = apply(electrician_post)

    with pytest.raises(NotEligible):
        hire(application, by=clerk)
    assert status_of(application) == AppStatus.APPLIED


@pytest.mark.parametrize(
    ("issued_on", "expires_on", "eligible"),
    [
        (TODAY - days(400), TODAY - days(1), False),
        (TODAY - days(400), TODAY, True),
        (TODAY - days(400), TODAY + days(300), True),
        (TODAY - days(400), None, True),
        (None, None, True),
        (TODAY + days(10), None, False),
    ],
    ids=[
        "expired-the-day-before",
        "expires-on-the-first-day",
        "valid",
        "never-expires",
        "no-dates",
        "issued-after-the-work-starts",
    ],
)
def test_a_certificate_counts_only_when_valid_on_the_first_day(
    clerk, electrician_post, issued_on, expires_on, eligible
):
    seeker = SeekerFactory()
    SeekerCertificate.objects.create(
        seeker=seeker,
        kind=CertificateKind.objects.get(code="electrician_permit"),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    application = apply(electrician_post, seeker)

    if eligible:
        hire(application, by=clerk)
        assert status_of(application) == AppStatus.HIRED
    else:
        with pytest.raises(NotEligible):
            hire(application, by=clerk)
        assert status_of(application) == AppStatus.APPLIED


def test_missing_certificates_names_only_those_lacking_or_expired():
    electrician = CertificateKindFactory()
    welder = CertificateKind.objects.get(code="welding_permit")
    height = CertificateKind.objects.get(code="height_work_permit")
    post = make_post()
    post.required_certificates.add(electrician, welder, height)
    seeker = SeekerFactory()
    SeekerCertificate.objects.create(seeker=seeker, kind=electrician, expires_on=None)
    SeekerCertificate.objects.create(seeker=seeker, kind=welder, expires_on=TODAY - days(1))
    # A certificate the post does not ask for changes nothing.
    SeekerCertificate.objects.create(
        seeker=seeker, kind=CertificateKind.objects.get(code="crane_operator_permit")
    )

    assert missing_certificates(seeker=seeker, post=post, on=TODAY) == [height, welder]
    assert missing_certificates(seeker=seeker, post=make_post(), on=TODAY) == []


def test_certificates_expiring_lists_those_due_within_the_window_soonest_first():
    electrician = CertificateKindFactory()
    welder = CertificateKind.objects.get(code="welding_permit")
    first, second = SeekerFactory(full_name="王一"), SeekerFactory(full_name="王二")
    soon = SeekerCertificate.objects.create(
        seeker=first, kind=electrician, expires_on=TODAY + days(3)
    )
    today = SeekerCertificate.objects.create(seeker=second, kind=welder, expires_on=TODAY)
    last_day = SeekerCertificate.objects.create(
        seeker=second, kind=electrician, expires_on=TODAY + days(30)
    )
    SeekerCertificate.objects.create(seeker=first, kind=welder, expires_on=TODAY - days(1))
    SeekerCertificate.objects.create(
        seeker=first,
        kind=CertificateKind.objects.get(code="height_work_permit"),
        expires_on=TODAY + days(31),
    )
    SeekerCertificate.objects.create(
        seeker=second, kind=CertificateKind.objects.get(code="height_work_permit")
    )

    assert list(certificates_expiring(within_days=30, today=TODAY)) == [today, soon, last_day]


# Overlapping work


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ((0, 4), (3, 7), True),
        ((0, 4), (4, 4), True),
        ((0, 4), (-3, 0), True),
        ((0, 4), (5, 8), False),
        ((3, 4), (0, 2), False),
        ((0, None), (20, 22), True),
        ((0, None), (-5, -1), False),
        ((10, 12), (0, None), True),
        ((10, 12), (13, None), False),
        ((0, None), (30, None), True),
    ],
    ids=[
        "overlapping-days",
        "same-last-day",
        "first-day-is-the-others-last",
        "back-to-back",
        "before",
        "inside-an-open-ended-hire",
        "before-an-open-ended-hire",
        "open-ended-over-a-later-hire",
        "open-ended-after-a-hire",
        "two-open-ended",
    ],
)
def test_a_seeker_is_not_hired_twice_for_the_same_days(clerk, first, second, overlap):
    seeker = SeekerFactory()

    def offset(day: int | None) -> dt.date | None:
        return None if day is None else TODAY + days(day)

    def post_for(span: tuple[int, int | None]) -> JobPost:
        starts_on = offset(span[0])
        return make_post(starts_on=starts_on, ends_on=offset(span[1]) or starts_on + days(60))

    earlier = apply(post_for(first), seeker)
    hire(earlier, by=clerk, starts_on=offset(first[0]), ends_on=offset(first[1]))
    later = apply(post_for(second), seeker)

    if overlap:
        with pytest.raises(NotEligible):
            hire(later, by=clerk, starts_on=offset(second[0]), ends_on=offset(second[1]))
        assert status_of(later) == AppStatus.APPLIED
    else:
        hire(later, by=clerk, starts_on=offset(second[0]), ends_on=offset(second[1]))
        assert status_of(later) == AppStatus.HIRED


@pytest.mark.parametrize(
    ("ending", "blocks"),
    [
        (AppStatus.STARTED, True),
        (AppStatus.COMPLETED, False),
        (AppStatus.NO_SHOW, False),
        (AppStatus.WITHDRAWN, False),
    ],
)
def test_only_a_live_hire_blocks_another_on_the_same_days(clerk, ending, blocks):
    seeker = SeekerFactory()
    earlier = apply(make_post(), seeker)
    placement = hire(earlier, by=clerk)
    if ending in (AppStatus.STARTED, AppStatus.COMPLETED):
        placement_start(placement=placement, by=clerk, now=NOW)
    if ending == AppStatus.COMPLETED:
        placement_complete(placement=placement, by=clerk, now=NOW + days(4))
    if ending in (AppStatus.NO_SHOW, AppStatus.WITHDRAWN):
        application_move(application=earlier, to=ending, by=clerk, now=NOW)
    later = apply(make_post(), seeker)

    if blocks:
        with pytest.raises(NotEligible):
            hire(later, by=clerk)
    else:
        hire(later, by=clerk)
        assert status_of(later) == AppStatus.HIRED


# Applying


def test_a_seeker_may_apply_again_after_withdrawing_but_not_twice_at_once(clerk):
    post = make_post()
    seeker = SeekerFactory()
    first = apply(post, seeker, by=clerk)

    with pytest.raises(Conflict):
        apply(post, seeker, by=clerk)
    application_move(application=first, to=AppStatus.WITHDRAWN, by=seeker_user(), now=NOW)
    again = apply(post, seeker, by=clerk)

    assert again.pk != first.pk
    assert status_of(again) == AppStatus.APPLIED
    with pytest.raises(Conflict):
        apply(post, seeker, by=clerk)
    assert post.applications.filter(seeker=seeker).count() == 2


def test_a_rejected_seeker_may_apply_again(clerk):
    post = make_post()
    seeker = SeekerFactory()
    first = apply(post, seeker)
    application_move(application=first, to=AppStatus.REJECTED, by=clerk, now=NOW)

    assert status_of(apply(post, seeker)) == AppStatus.APPLIED


def test_the_same_seeker_may_apply_to_two_posts(clerk):
    seeker = SeekerFactory()

    apply(make_post(), seeker)
    apply(make_post(), seeker)

    assert seeker.applications.count() == 2


@pytest.mark.parametrize(
    "status",
    [
        PostStatus.DRAFT,
        PostStatus.FILLED,
        PostStatus.CLOSED,
        PostStatus.EXPIRED,
        PostStatus.CANCELLED,
    ],
)
def test_only_an_open_post_takes_applications(clerk, status):
    post = make_post(status=status)

    with pytest.raises(Conflict):
        apply(post, by=clerk)
    assert not Application.objects.exists()
    assert not ApplicationEvent.objects.exists()


def test_a_post_filled_meanwhile_takes_no_more_applications(clerk):
    post = make_post(openings=1)
    hire(apply(post), by=clerk)

    # ``post`` is the caller's copy, still saying "open": the service must not trust it.
    assert post.status == PostStatus.OPEN
    with pytest.raises(Conflict):
        apply(post, by=clerk)
    assert post.applications.count() == 1


def test_a_merged_seeker_record_takes_no_applications(clerk):
    survivor = SeekerFactory()
    duplicate = SeekerFactory(merged_into=survivor)

    with pytest.raises(DomainError):
        apply(make_post(), duplicate, by=clerk)
