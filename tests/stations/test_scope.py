"""Who sees which records: two stations side by side in Lanzhou (A in Chengguan, B in Qilihe)
and one in Dingxi (D), each with seekers, employers, posts, applications and claims."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import connection
from django.db.models import Model, QuerySet
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from stations.models import Staff, Station, WageClaim
from stations.models.organisation import StaffRole
from stations.selectors.scope import (
    Scope,
    applications_in_scope,
    employers_in_scope,
    placements_in_scope,
    posts_in_scope,
    scope_for,
    seekers_in_scope,
    stations_in_scope,
    wage_claims_in_scope,
)
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.staff import (
    OTHER_APP_PERMISSIONS,
    ROLE_PERMISSIONS,
    role_group_name,
    role_groups_ensure,
    staff_assign,
)
from tests.factories import (
    EmployerFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()
CHENGGUAN, QILIHE, ANDING = "620102", "620103", "621102"
LANZHOU, DINGXI = "620100", "621100"

SELECTORS: dict[str, Callable[[Scope], QuerySet[Any]]] = {
    "seekers": seekers_in_scope,
    "posts": posts_in_scope,
    "employers": employers_in_scope,
    "applications": applications_in_scope,
    "placements": placements_in_scope,
    "claims": wage_claims_in_scope,
    "stations": stations_in_scope,
}


@dataclass
class World:
    records: dict[str, dict[str, Model]]

    def seen_by(self, user: User | AnonymousUser) -> dict[str, set[str]]:
        """The names of the records of each kind that ``user`` sees."""
        scope = scope_for(user)
        seen = {}
        for kind, selector in SELECTORS.items():
            visible = set(selector(scope).values_list("pk", flat=True))
            seen[kind] = {
                name for name, record in self.records[kind].items() if record.pk in visible
            }
        return seen

    def everything(self) -> dict[str, set[str]]:
        return {kind: set(records) for kind, records in self.records.items()}


@pytest.fixture
def world() -> World:
    station_a = StationFactory(code="chengguan-a", region=region(CHENGGUAN))
    station_b = StationFactory(code="qilihe-b", region=region(QILIHE))
    station_d = StationFactory(code="anding-d", region=region(ANDING))
    employer_a = EmployerFactory(registering_station=station_a, region=region(CHENGGUAN))
    employer_b = EmployerFactory(registering_station=station_b, region=region(QILIHE))
    # A Dingxi employer that also posts in Lanzhou through the app, without a station.
    employer_d = EmployerFactory(registering_station=None, region=region(ANDING))
    dates = {"starts_on": TODAY, "ends_on": TODAY + dt.timedelta(days=4)}
    post_a = PostFactory(employer=employer_a, station=station_a, region=region(CHENGGUAN), **dates)
    post_b = PostFactory(employer=employer_b, station=station_b, region=region(QILIHE), **dates)
    post_lanzhou = PostFactory(employer=employer_d, station=None, region=region(CHENGGUAN), **dates)
    post_d = PostFactory(employer=employer_d, station=station_d, region=region(ANDING), **dates)
    seeker_a = SeekerFactory(registering_station=station_a, residence_region=region(CHENGGUAN))
    seeker_b = SeekerFactory(registering_station=station_b, residence_region=region(QILIHE))
    # Registered at B, applied to A's post: both stations see them.
    seeker_b_at_a = SeekerFactory(registering_station=station_b, residence_region=region(QILIHE))
    # Lives in Dingxi, registered through the app, applied to the Lanzhou post.
    seeker_d = SeekerFactory(registering_station=None, residence_region=region(ANDING))

    def apply(post, seeker):
        return application_create(post=post, seeker=seeker, source="app", by=None, now=NOW)

    application_a = apply(post_a, seeker_a)
    application_b = apply(post_b, seeker_b)
    application_b_at_a = apply(post_a, seeker_b_at_a)
    application_d = apply(post_lanzhou, seeker_d)
    terms = PlacementTerms(
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=4),
        outcome="flexible",
    )
    placement_a = application_hire(application=application_a, terms=terms, by=None, now=NOW)
    placement_b = application_hire(application=application_b, terms=terms, by=None, now=NOW)

    def claim(placement, seeker, employer):
        return WageClaim.objects.create(
            seeker=seeker,
            employer=employer,
            placement=placement,
            amount_claimed=Decimal("660.00"),
            filed_at=NOW,
        )

    return World(
        records={
            "seekers": {"a": seeker_a, "b": seeker_b, "b_at_a": seeker_b_at_a, "d": seeker_d},
            "posts": {"a": post_a, "b": post_b, "lanzhou": post_lanzhou, "d": post_d},
            "employers": {"a": employer_a, "b": employer_b, "d": employer_d},
            "applications": {
                "a": application_a,
                "b": application_b,
                "b_at_a": application_b_at_a,
                "d": application_d,
            },
            "placements": {"a": placement_a, "b": placement_b},
            "claims": {
                "a": claim(placement_a, seeker_a, employer_a),
                "b": claim(placement_b, seeker_b, employer_b),
            },
            "stations": {"A": station_a, "B": station_b, "D": station_d},
        }
    )


def staff_user(
    role: StaffRole, *, stations: tuple[str, ...] | list[str] = (), region_code: str | None = None
) -> User:
    user = UserFactory(is_staff=False)
    staff_assign(
        user=user,
        role=role,
        stations=[Station.objects.get(code=code) for code in stations],
        region=region(region_code) if region_code else None,
    )
    return User.objects.get(pk=user.pk)


NOTHING: dict[str, set[str]] = {kind: set() for kind in SELECTORS}

SEEN_BY_ROLE = {
    "station staff of A": (
        {"role": StaffRole.STATION_STAFF, "stations": ["chengguan-a"]},
        {
            "seekers": {"a", "b_at_a"},
            "posts": {"a"},
            "employers": {"a"},
            "applications": {"a", "b_at_a"},
            "placements": {"a"},
            "claims": {"a"},
            "stations": {"A"},
        },
    ),
    "station staff of B": (
        {"role": StaffRole.STATION_STAFF, "stations": ["qilihe-b"]},
        {
            "seekers": {"b", "b_at_a"},
            "posts": {"b"},
            "employers": {"b"},
            # Their own seeker's application to A's post too.
            "applications": {"b", "b_at_a"},
            "placements": {"b"},
            "claims": {"b"},
            "stations": {"B"},
        },
    ),
    "employment professional over Lanzhou": (
        {"role": StaffRole.EMPLOYMENT_PROFESSIONAL, "region_code": LANZHOU},
        {
            # The Dingxi seeker applied to a post under Lanzhou.
            "seekers": {"a", "b", "b_at_a", "d"},
            "posts": {"a", "b", "lanzhou"},
            # The Dingxi employer posts under Lanzhou.
            "employers": {"a", "b", "d"},
            "applications": {"a", "b", "b_at_a", "d"},
            "placements": {"a", "b"},
            "claims": {"a", "b"},
            "stations": {"A", "B"},
        },
    ),
    "employment professional over Dingxi": (
        {"role": StaffRole.EMPLOYMENT_PROFESSIONAL, "region_code": DINGXI},
        {
            "seekers": {"d"},
            "posts": {"d"},
            "employers": {"d"},
            "applications": set(),
            "placements": set(),
            "claims": set(),
            "stations": {"D"},
        },
    ),
    "bureau analyst over Lanzhou": (
        {"role": StaffRole.BUREAU_ANALYST, "region_code": LANZHOU},
        {
            **NOTHING,
            "posts": {"a", "b", "lanzhou"},
            "employers": {"a", "b", "d"},
            "stations": {"A", "B"},
        },
    ),
    "bureau administrator over Chengguan": (
        {"role": StaffRole.BUREAU_ADMIN, "region_code": CHENGGUAN},
        {
            "seekers": {"a", "b_at_a", "d"},
            "posts": {"a", "lanzhou"},
            "employers": {"a", "d"},
            "applications": {"a", "b_at_a", "d"},
            "placements": {"a"},
            "claims": {"a"},
            "stations": {"A"},
        },
    ),
}


@pytest.mark.parametrize("who", list(SEEN_BY_ROLE))
def test_each_staff_member_sees_exactly_the_records_of_their_scope(world, who):
    assignment, expected = SEEN_BY_ROLE[who]
    user = staff_user(**assignment)

    assert world.seen_by(user) == expected


def test_a_superuser_sees_everything(world):
    superuser = UserFactory(is_superuser=True)

    assert world.seen_by(superuser) == world.everything()


def test_a_user_without_a_staff_row_sees_nothing(world):
    assert world.seen_by(UserFactory()) == NOTHING


def test_an_anonymous_visitor_sees_nothing(world):
    assert world.seen_by(AnonymousUser()) == NOTHING


def test_a_deactivated_staff_member_sees_nothing(world):
    user = staff_user(StaffRole.EMPLOYMENT_PROFESSIONAL, region_code=LANZHOU)
    user.is_active = False
    user.save()

    assert world.seen_by(User.objects.get(pk=user.pk)) == NOTHING


def test_staff_over_a_station_and_a_region_see_both(world):
    user = staff_user(StaffRole.EMPLOYMENT_PROFESSIONAL, stations=["qilihe-b"], region_code=DINGXI)

    seen = world.seen_by(user)

    assert seen["seekers"] == {"b", "b_at_a", "d"}
    assert seen["stations"] == {"B", "D"}


def test_in_every_scope_an_applications_seeker_and_a_posts_employer_are_visible(world):
    """The admin offers only in-scope records as choices: a visible application whose
    seeker is out of scope could not even be saved."""
    users = [staff_user(**assignment) for assignment, _ in SEEN_BY_ROLE.values()]
    for user in users:
        scope = scope_for(user)
        seekers = set(seekers_in_scope(scope).values_list("pk", flat=True))
        employers = set(employers_in_scope(scope).values_list("pk", flat=True))
        for seeker_id in applications_in_scope(scope).values_list("seeker_id", flat=True):
            assert seeker_id in seekers
        for employer_id in posts_in_scope(scope).values_list("employer_id", flat=True):
            assert employer_id in employers


def test_listing_seekers_in_scope_costs_the_same_queries_for_3_and_30(
    django_assert_max_num_queries,
):
    station = StationFactory(code="chengguan-a", region=region(CHENGGUAN))
    other = StationFactory(code="qilihe-b", region=region(QILIHE))
    user_id = staff_user(StaffRole.STATION_STAFF, stations=["chengguan-a"]).pk

    def list_seekers() -> list[str]:
        user = User.objects.get(pk=user_id)  # a fresh request: its scope is not cached yet
        return [str(seeker) for seeker in seekers_in_scope(scope_for(user))]

    SeekerFactory.create_batch(3, registering_station=station)
    SeekerFactory.create_batch(3, registering_station=other)
    with CaptureQueriesContext(connection) as few:
        assert len(list_seekers()) == 3
    SeekerFactory.create_batch(27, registering_station=station)
    SeekerFactory.create_batch(27, registering_station=other)

    with django_assert_max_num_queries(len(few)):
        assert len(list_seekers()) == 30
    assert len(few) <= 4  # the user, the staff row, its stations, the seekers


# Roles and permissions


def permission_names(user: User) -> set[str]:
    return User.objects.get(pk=user.pk).get_all_permissions()


def test_staff_assign_puts_the_user_in_exactly_one_role_group():
    user = UserFactory(is_staff=False)
    newsletter = Group.objects.create(name="newsletter")
    user.groups.add(newsletter)

    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[StationFactory()])
    assert set(user.groups.values_list("name", flat=True)) == {
        "newsletter",
        role_group_name(StaffRole.STATION_STAFF),
    }
    staff = staff_assign(user=user, role=StaffRole.BUREAU_ANALYST, region=region(LANZHOU))

    assert set(user.groups.values_list("name", flat=True)) == {
        "newsletter",
        role_group_name(StaffRole.BUREAU_ANALYST),
    }
    assert Staff.objects.get(user=user) == staff
    assert staff.role == StaffRole.BUREAU_ANALYST
    assert list(staff.stations.all()) == []
    assert staff.region == region(LANZHOU)
    assert User.objects.get(pk=user.pk).is_staff


@pytest.mark.parametrize("role", list(StaffRole))
def test_each_role_group_holds_exactly_the_roles_permissions(role):
    user = UserFactory(is_staff=False)
    staff_assign(user=user, role=role, stations=[StationFactory()], region=region(LANZHOU))
    special = {"merge": "merge_jobseeker", "reveal": "reveal_personal_data"}
    expected = {
        f"stations.{special.get(action, f'{action}_{model}')}"
        for model, actions in ROLE_PERMISSIONS[role].items()
        for action in actions
    } | set(OTHER_APP_PERMISSIONS.get(role, []))

    assert permission_names(user) == expected


@pytest.mark.parametrize(
    ("role", "permission", "granted"),
    [
        (StaffRole.BUREAU_ANALYST, "stations.view_jobseeker", False),
        (StaffRole.BUREAU_ANALYST, "stations.view_application", False),
        (StaffRole.BUREAU_ANALYST, "stations.view_wageclaim", False),
        (StaffRole.BUREAU_ANALYST, "stations.view_jobpost", True),
        (StaffRole.BUREAU_ANALYST, "stations.view_employer", True),
        (StaffRole.EMPLOYMENT_PROFESSIONAL, "stations.reveal_personal_data", True),
        (StaffRole.EMPLOYMENT_PROFESSIONAL, "stations.merge_jobseeker", True),
        (StaffRole.STATION_STAFF, "stations.reveal_personal_data", False),
        (StaffRole.STATION_STAFF, "stations.merge_jobseeker", True),
        (StaffRole.STATION_STAFF, "stations.add_application", True),
        (StaffRole.STATION_STAFF, "stations.add_station", False),
        (StaffRole.GRID_STAFF, "stations.add_jobpost", False),
        (StaffRole.GRID_STAFF, "stations.reveal_personal_data", False),
        (StaffRole.BUREAU_ADMIN, "stations.add_staff", True),
        (StaffRole.BUREAU_ADMIN, "stations.reveal_personal_data", True),
    ],
)
def test_a_role_grants_what_it_should_and_nothing_more(role, permission, granted):
    user = UserFactory(is_staff=False)
    staff_assign(user=user, role=role, stations=[StationFactory()], region=region(LANZHOU))

    assert User.objects.get(pk=user.pk).has_perm(permission) is granted


def test_changing_role_takes_away_the_old_roles_permissions():
    user = UserFactory(is_staff=False)
    staff_assign(user=user, role=StaffRole.EMPLOYMENT_PROFESSIONAL, region=region(LANZHOU))
    assert "stations.reveal_personal_data" in permission_names(user)

    staff_assign(user=user, role=StaffRole.BUREAU_ANALYST, region=region(LANZHOU))

    assert "stations.reveal_personal_data" not in permission_names(user)
    assert "stations.view_jobseeker" not in permission_names(user)


def test_role_groups_ensure_is_idempotent_and_restores_tampered_groups():
    first = role_groups_ensure()
    tampered = first[StaffRole.BUREAU_ANALYST]
    tampered.permissions.add(Permission.objects.get(codename="view_jobseeker"))

    second = role_groups_ensure()

    assert {role: group.pk for role, group in first.items()} == {
        role: group.pk for role, group in second.items()
    }
    assert Group.objects.filter(name__startswith="role: ").count() == len(StaffRole)
    assert not tampered.permissions.filter(codename="view_jobseeker").exists()


@pytest.mark.parametrize(
    ("role", "stations", "region_code"),
    [
        (StaffRole.STATION_STAFF, False, None),
        (StaffRole.BUREAU_ANALYST, True, None),
        (StaffRole.BUREAU_ADMIN, True, None),
    ],
    ids=["no-scope", "analyst-without-region", "bureau-admin-without-region"],
)
def test_staff_assign_refuses_a_missing_scope(role, stations, region_code):
    user = UserFactory(is_staff=False)

    with pytest.raises(DomainError):
        staff_assign(
            user=user,
            role=role,
            stations=[StationFactory()] if stations else [],
            region=region(region_code) if region_code else None,
        )
    assert not Staff.objects.filter(user=user).exists()
    assert not user.groups.exists()
    assert not User.objects.get(pk=user.pk).is_staff


def test_migrating_gives_existing_role_groups_the_permissions_of_new_models(clerk):
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from stations.models.organisation import StaffRole
    from stations.services.staff import role_group_name, role_groups_ensure

    role_groups_ensure()
    group = Group.objects.get(name=role_group_name(StaffRole.STATION_STAFF))
    sign_ins = Permission.objects.get(codename="add_signin")
    group.permissions.remove(sign_ins)  # as before a release added the permission

    call_command("migrate", verbosity=0)

    assert group.permissions.filter(pk=sign_ins.pk).exists()
