from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from stations.demo import DemoCityError, demo_city_generate
from stations.models import (
    Application,
    ApplicationEvent,
    Employer,
    JobPost,
    JobSeeker,
    Placement,
    Region,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
    WageClaim,
    WagePayment,
)
from stations.validators import normalize_mobile_phone, validate_credit_code

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


def generate(*, seekers=0, employers=0, posts=0, seed=7, city="620100"):
    return demo_city_generate(
        city_code=city,
        seekers=seekers,
        employers=employers,
        posts=posts,
        seed=seed,
        today=TODAY,
        stream=io.StringIO(),
    )


def snapshot():
    seekers = {
        s.phone: (
            s.full_name,
            s.id_number_masked,
            s.registering_station_id,
            s.residence_region_id,
            s.latitude,
            s.longitude,
            s.expected_daily_wage,
            s.availability,
            s.max_travel_km,
        )
        for s in JobSeeker.objects.all()
    }
    skills = sorted(SeekerSkill.objects.values_list("seeker__phone", "occupation__code", "level"))
    posts = {
        p.reference: (p.title, p.employer.credit_code, p.wage_amount, p.openings, p.starts_on)
        for p in JobPost.objects.select_related("employer")
    }
    return seekers, skills, posts


def test_the_same_seed_gives_the_same_city(seeded):
    generate(seekers=40, employers=6, posts=20)
    first = snapshot()
    for model in (
        WagePayment,
        WageClaim,
        Placement,
        ApplicationEvent,
        Application,
        JobPost,
        Employer,
        JobSeeker,
    ):
        model.objects.all().delete()
    generate(seekers=40, employers=6, posts=20)
    assert snapshot() == first


def test_another_seed_gives_another_city(seeded):
    generate(seekers=30, seed=1)
    generate(seekers=30, seed=2)
    assert JobSeeker.objects.count() == 60
    names_by_seed = Counter(JobSeeker.objects.values_list("full_name", flat=True))
    assert len(names_by_seed) > 30


def test_a_second_run_adds_nothing_and_a_larger_one_adds_only_the_missing(seeded):
    first = generate(seekers=25, employers=4, posts=10)
    assert (first.seekers_created, first.employers_created, first.posts_created) == (25, 4, 10)
    before = snapshot()
    again = generate(seekers=25, employers=4, posts=10)
    assert (again.seekers_created, again.employers_created, again.posts_created) == (0, 0, 0)
    assert snapshot() == before
    grown = generate(seekers=40, employers=4, posts=15)
    assert (grown.seekers_created, grown.posts_created) == (15, 5)
    seekers_after, _, posts_after = snapshot()
    assert {k: seekers_after[k] for k in before[0]} == before[0]
    assert {k: posts_after[k] for k in before[2]} == before[2]


def test_records_are_placed_inside_the_city_and_are_valid(seeded):
    generate(seekers=300, employers=30, posts=120)
    lanzhou = Region.objects.get(code="620100")
    for seeker in JobSeeker.objects.select_related("residence_region"):
        assert seeker.residence_region.path.startswith(lanzhou.path)
        assert abs(seeker.latitude - seeker.residence_region.latitude) < 0.6
        assert abs(seeker.longitude - seeker.residence_region.longitude) < 0.7
        assert normalize_mobile_phone(seeker.phone) == seeker.phone
        assert 100 <= seeker.expected_daily_wage <= 500
        assert seeker.full_clean() is None
    for employer in Employer.objects.all():
        validate_credit_code(employer.credit_code)
        assert employer.region.parent_id == lanzhou.id
    for post in JobPost.objects.all():
        assert post.region.path.startswith(lanzhou.path)
        assert post.ends_on >= post.starts_on
        assert post.occupation.level == "trade"
        post.full_clean()


def test_key_groups_skills_and_wages_come_in_plausible_proportions(seeded):
    generate(seekers=1500, employers=20, posts=300)
    total = JobSeeker.objects.count()
    members = Counter(SeekerKeyGroup.objects.values_list("key_group__code", flat=True))
    assert 0.38 < members["rural_labour"] / total < 0.52
    assert 0.10 < members["urban_unemployed"] / total < 0.20
    assert members["college_graduate"] > 0
    graduates = JobSeeker.objects.filter(key_groups__code="college_graduate")
    assert not graduates.filter(graduation_year=None).exists()
    skills_per_seeker = SeekerSkill.objects.count() / total
    assert 1.3 < skills_per_seeker < 2.3
    day_posts = JobPost.objects.filter(wage_unit=JobPost.WageUnit.DAY)
    assert day_posts.count() > 150
    wages = sorted(float(p.wage_amount) for p in day_posts)
    assert 150 <= wages[len(wages) // 2] <= 250  # Lanzhou day rates
    open_share = JobPost.objects.filter(status=JobPost.Status.OPEN).count() / 300
    assert 0.65 < open_share < 0.9
    urban = JobSeeker.objects.filter(residence_region__path__startswith="620000/620100/620102/")
    assert (
        urban.count()
        > JobSeeker.objects.filter(
            residence_region__path__startswith="620000/620100/620121/"
        ).count()
    )


def test_an_unknown_city_is_refused_with_a_clear_error(seeded):
    with pytest.raises(DemoCityError, match="No region has the code 999900"):
        generate(seekers=1, city="999900")


def test_a_county_is_not_a_city(seeded):
    with pytest.raises(DemoCityError, match="has no counties or districts"):
        generate(seekers=1, city="620102")


def test_the_command_reports_what_it_created(seeded, settings):
    settings.DEBUG = True  # pytest-django turns it off; the demo is a development tool
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--city",
        "621100",
        "--seekers",
        "12",
        "--employers",
        "3",
        "--posts",
        "4",
        "--seed",
        "5",
        stdout=out,
    )
    text = out.getvalue()
    assert "12 seekers, 3 employers and 4 posts created" in text
    assert "seekers: 12/12 (100%)" in text
    from stations.models import JobFair, SignIn

    assert f"{SignIn.objects.count()} sign-ins" in text
    assert f"{JobFair.objects.count()} job fairs" in text
    assert JobFair.objects.exists()
    from stations.models import ServicePlan

    assert f"{ServicePlan.objects.count()} 311 plans" in text
    assert (
        JobSeeker.objects.filter(residence_region__path__startswith="620000/621100/").count() == 12
    )


def test_the_command_refuses_to_run_in_production(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo", "--seekers", "1", stdout=io.StringIO())
    assert JobSeeker.objects.count() == 0


def test_the_city_has_stations_real_name_seekers_and_their_day_of_work(seeded):
    from django.db.models import Count, F, Q

    from core import crypto
    from stations.models import HOLDS_OPENING, Station
    from stations.validators import parse_national_id

    first = generate(seekers=400, employers=30, posts=150)
    lanzhou_counties = Region.objects.filter(parent__code="620100").count()
    assert Station.objects.filter(region__parent__code="620100").count() >= lanzhou_counties
    assert not JobSeeker.objects.filter(registering_station=None).exists()

    with_id = JobSeeker.objects.exclude(id_number_hash=None)
    assert 0.75 < with_id.count() / 400 < 0.95
    for seeker in with_id[:50]:
        number = crypto.decrypt(seeker.id_number_encrypted)
        parsed = parse_national_id(number, today=TODAY)
        assert (seeker.birth_date, seeker.sex) == (parsed.birth_date, parsed.sex)
        assert number[:6] == seeker.residence_region.code[:6]
        assert seeker.verified_at is not None

    posts = JobPost.objects.annotate(
        holders=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING))
    )
    filled = posts.filter(status=JobPost.Status.FILLED)
    assert filled.exists()
    assert all(post.holders == post.openings for post in filled)
    assert not posts.exclude(status=JobPost.Status.FILLED).filter(holders__gt=0).exists()
    assert not filled.filter(required_certificates__isnull=False).exists()
    hires_per_seeker = Counter(
        Application.objects.filter(status__in=HOLDS_OPENING).values_list("seeker_id", flat=True)
    )
    assert max(hires_per_seeker.values()) == 1
    assert Placement.objects.count() == sum(hires_per_seeker.values()) == first.placements_created
    assert (
        ApplicationEvent.objects.count()
        == Application.objects.count()
        == first.applications_created
    )
    # Each post is posted at a station in its employer's county.
    assert not JobPost.objects.exclude(station__region=F("employer__region")).exists()
    electricians = JobSeeker.objects.filter(skills__code="6-31-01-03")
    if electricians.exists():
        assert SeekerCertificate.objects.filter(
            seeker__in=electricians, kind__code="electrician_permit"
        ).exists()

    again = generate(seekers=400, employers=30, posts=150)
    assert (again.applications_created, again.placements_created) == (0, 0)


def test_the_demo_stations_have_a_week_of_sign_ins_and_todays_queue_waits(seeded):
    from stations.demo.dispatch import demo_sign_ins_generate
    from stations.models import Region, SignIn

    generate(seekers=300)
    city = Region.objects.get(code="620100")

    written = demo_sign_ins_generate(city=city, seed=7, today=TODAY, days=3, per_station=6)
    again = demo_sign_ins_generate(city=city, seed=7, today=TODAY, days=3, per_station=6)

    assert written > 0
    assert again == 0
    assert set(SignIn.objects.values_list("day", flat=True)) <= {
        TODAY - timedelta(days=n) for n in range(3)
    }
    today = SignIn.objects.filter(day=TODAY)
    assert today.exists()
    assert not today.exclude(not_dispatched_reason="").exists()
    assert not SignIn.objects.filter(day__lt=TODAY, not_dispatched_reason="").exists()
    for station_id in today.values_list("station", flat=True).distinct():
        positions = sorted(today.filter(station_id=station_id).values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))
    registered_elsewhere = SignIn.objects.exclude(seeker__registering_station=F("station"))
    assert not registered_elsewhere.exists()
