"""A synthetic city for demonstrations, benchmarks and load tests.

Every record is drawn from its own random stream, seeded by (seed, city, kind, index), so
the same arguments always give the same city, and asking for more records later adds the
missing ones without touching those already there. Natural keys make a second run a no-op:
seekers by phone, employers by credit code, posts by reference. Stations are shared by every
seed; applications and hires are made for the posts a run creates.

Demo phone numbers start with 19 followed by two digits derived from city and seed; never
load a demo city into a database whose SMS gateway is live.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from core.bulk import insert_objects, insert_rows
from core.errors import DomainError
from core.progress import Progress, TextStream
from stations.demo.activity import demo_activity_generate, demo_certificates, demo_stations_ensure
from stations.models import (
    AVAILABILITY_ALL,
    HOLDS_OPENING,
    CertificateKind,
    Employer,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Region,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
    Station,
)
from stations.services.identity import id_number_store
from stations.validators import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    national_id_check_character,
    parse_national_id,
)

CHUNK_SIZE = 2_000

# Shares of each key group among registered seekers at an odd-job station; a seeker may be in
# several. Rough proportions read off the bulletins: rural labour dominates (Dingxi: 612,900
# transferred, 285,000 of them poverty-alleviation labour), graduates and veterans are few.
KEY_GROUP_SHARES = {
    "rural_labour": 0.45,
    "lifted_from_poverty": 0.12,
    "urban_unemployed": 0.15,
    "employment_difficulty": 0.10,
    "college_graduate": 0.08,
    "veteran": 0.03,
    "disabled": 0.02,
    "zero_employment_family": 0.01,
}

# Middle groups of the common odd-job trades; their trades are drawn five times as often.
COMMON_TRADE_PREFIXES = ("6-29", "4-10", "4-03", "4-02", "4-07", "5-")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
    "冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉兰红梅建华文斌国庆海燕志强春花小龙"
    "晓东永福金凤德胜秀珍成龙佳怡子涵浩然欣怡宇轩思远雨萱"
)
EMPLOYER_WORDS = ["宏达", "金城", "陇原", "黄河", "兴盛", "安康", "鑫源", "华瑞", "恒通", "顺意"]
EMPLOYER_TRADES = ["建筑劳务", "家政服务", "物业管理", "餐饮管理", "物流", "装饰工程", "农业开发"]


@dataclass(frozen=True)
class DemoResult:
    seekers_created: int
    employers_created: int
    posts_created: int
    applications_created: int = 0
    placements_created: int = 0


class DemoCityError(DomainError):
    pass


T = TypeVar("T")


def _stream(seed: int, city: Region, kind: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{city.code}:{kind}:{index}")  # noqa: S311 - not for secrets


def _discriminator(city: Region, seed: int) -> int:
    """Two digits that keep the demo phones and codes of different cities and seeds apart."""
    return zlib.crc32(f"{city.code}:{seed}".encode()) % 100


def _scramble(index: int, modulus: int) -> int:
    # Multiplying by a number coprime with 10**k permutes 0..10**k-1: unique, but not sequential.
    return (index * 3_000_017) % modulus


def demo_phone(*, city: Region, seed: int, index: int) -> str:
    return f"19{_discriminator(city, seed):02d}{_scramble(index, 10**7):07d}"


# Birth dates spread over 40 years (ages about 20 to 60); with the sequence digits below,
# every index of a city and seed gets its own number, up to 7 million seekers.
ID_BIRTH_DAYS = 14_600


def demo_national_id(*, county: Region, city: Region, seed: int, index: int, male: bool) -> str:
    born = date(1966, 1, 1) + timedelta(days=(index * 7919) % ID_BIRTH_DAYS)
    pair = (index // ID_BIRTH_DAYS + 7 * _discriminator(city, seed)) % 500
    first17 = f"{county.code}{born:%Y%m%d}{pair * 2 + (1 if male else 0):03d}"
    return first17 + national_id_check_character(first17)


def organization_code_check(first8: str) -> str:
    """The check character of a GB 11714 organisation code (the 9th character)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def demo_credit_code(*, prefix: str, county: Region, city: Region, seed: int, index: int) -> str:
    organization = f"{_discriminator(city, seed):02d}{_scramble(index, 10**6):06d}"
    first17 = f"{prefix}{county.code}{organization}{organization_code_check(organization)}"
    return first17 + credit_code_check_character(first17)


def _weighted_choice(rng: random.Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    return rng.choices(items, cum_weights=cumulative, k=1)[0]


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


@dataclass
class _CityPlan:
    """What the generator draws from: the city's districts with their weights and places."""

    counties: list[Region]
    county_weights: list[float]
    places: dict[int, list[Region]]  # county id -> regions a seeker can live in
    trades: list[Occupation]
    trade_weights: list[float]
    key_groups: dict[str, KeyGroup]
    stations: dict[int, list[Station]]  # county id -> its stations
    usual_certificates: dict[int, list[CertificateKind]]  # trade id -> certificates it needs


def _plan(city: Region) -> _CityPlan:
    counties = list(Region.objects.filter(parent=city, level=Region.Level.COUNTY).order_by("code"))
    if not counties:
        raise DemoCityError(
            f"The region {city.code} has no counties or districts: run load_seeds first, and "
            "name a city (e.g. 620100)."
        )
    trades = list(Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code"))
    key_groups = {group.code: group for group in KeyGroup.objects.all()}
    if not trades or not key_groups:
        raise DemoCityError("Occupations and key groups are missing: run load_seeds first.")
    places: dict[int, list[Region]] = {}
    for county in counties:
        leaves = list(
            Region.objects.filter(path__startswith=county.path, level=Region.Level.GRID)
            .exclude(latitude=None)
            .order_by("code")
        )
        places[county.id] = [county, *leaves]
    usual_certificates: dict[int, list[CertificateKind]] = {}
    for kind in CertificateKind.objects.prefetch_related("occupations"):
        for occupation in kind.occupations.all():
            usual_certificates.setdefault(occupation.pk, []).append(kind)
    return _CityPlan(
        stations=demo_stations_ensure(counties=counties),
        usual_certificates=usual_certificates,
        counties=counties,
        # GB/T 2260: county-level codes 01-20 are urban districts, where most seekers live.
        county_weights=_cumulative([3.0 if int(c.code[4:]) <= 20 else 1.0 for c in counties]),
        places=places,
        trades=trades,
        trade_weights=_cumulative(
            [5.0 if t.code.startswith(COMMON_TRADE_PREFIXES) else 1.0 for t in trades]
        ),
        key_groups=key_groups,
    )


def _point_near(rng: random.Random, region: Region, county: Region) -> tuple[float, float]:
    # Urban districts are a few kilometres across, counties tens of kilometres.
    spread = (
        0.004
        if region.level == Region.Level.GRID
        else (0.025 if int(county.code[4:]) <= 20 else 0.12)
    )
    assert region.latitude is not None
    assert region.longitude is not None
    return (
        round(region.latitude + rng.gauss(0, spread), 6),
        round(region.longitude + rng.gauss(0, spread * 1.2), 6),
    )


def _person_name(rng: random.Random) -> str:
    given_length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(given_length)
    )


def _availability(rng: random.Random) -> int:
    if rng.random() < 0.35:
        return AVAILABILITY_ALL
    mask = 0
    for day in range(7):
        if day >= 5 and rng.random() < 0.5:
            continue
        for shift in range(3):
            if rng.random() < (0.85, 0.7, 0.25)[shift]:
                mask |= 1 << (day * 3 + shift)
    return mask or 1


def _generate_seeker(
    rng: random.Random,
    plan: _CityPlan,
    phone: str,
    today: date,
    id_number: Callable[[Region, bool], str] | None = None,
) -> tuple[JobSeeker, list[SeekerSkill], list[SeekerKeyGroup], list[SeekerCertificate]]:
    county = _weighted_choice(rng, plan.counties, plan.county_weights)
    place = rng.choice(plan.places[county.id])
    latitude, longitude = _point_near(rng, place, county)
    groups = [code for code, share in KEY_GROUP_SHARES.items() if rng.random() < share]
    rural = bool({"rural_labour", "lifted_from_poverty"} & set(groups)) or (
        int(county.code[4:]) > 20 and rng.random() < 0.7
    )
    status = rng.choices(
        [
            JobSeeker.EmploymentStatus.UNEMPLOYED,
            JobSeeker.EmploymentStatus.FLEXIBLE,
            JobSeeker.EmploymentStatus.EMPLOYED,
        ],
        weights=[0.7, 0.2, 0.1],
    )[0]
    wage = min(500, max(100, round(rng.gauss(200, 40) / 10) * 10))
    seeker = JobSeeker(
        full_name=_person_name(rng),
        phone=phone,
        household=JobSeeker.Household.RURAL if rural else JobSeeker.Household.URBAN,
        residence_region=place,
        latitude=latitude,
        longitude=longitude,
        expected_daily_wage=Decimal(wage),
        max_travel_km=rng.choice((3, 5, 10, 10, 15, 20, 30)),
        availability=_availability(rng),
        employment_status=status,
        graduation_year=today.year - rng.choice((0, 0, 1, 2))
        if "college_graduate" in groups
        else None,
        registering_station=rng.choice(plan.stations[county.pk]),
    )
    # Most seekers registered by real name at a counter; the rest came through the app.
    if id_number is not None and rng.random() < 0.85:
        number = id_number(county, rng.random() < 0.5)
        id_number_store(record=seeker, parsed=parse_national_id(number, today=today))
        seeker.verified_at = timezone.now()
    skills: dict[int, SeekerSkill] = {}
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        trade = _weighted_choice(rng, plan.trades, plan.trade_weights)
        skills[trade.id] = SeekerSkill(
            seeker=seeker,
            occupation=trade,
            level=rng.choices((0, 5, 4, 3, 2), weights=(60, 20, 12, 6, 2))[0],
            years=min(40, int(rng.expovariate(1 / 5))),
        )
    memberships = [
        SeekerKeyGroup(
            seeker=seeker,
            key_group=plan.key_groups[code],
            started_on=today - timedelta(days=rng.randrange(1, 3 * 365)),
        )
        for code in groups
        if code in plan.key_groups
    ]
    certificates = demo_certificates(
        rng, seeker_trades=list(skills), usual=plan.usual_certificates, today=today
    )
    for certificate in certificates:
        certificate.seeker = seeker
    return seeker, list(skills.values()), memberships, certificates


def _in_chunks(
    indices: Sequence[int], progress: Progress, write_chunk: Callable[[Sequence[int]], None]
) -> None:
    for start in range(0, len(indices), CHUNK_SIZE):
        chunk = indices[start : start + CHUNK_SIZE]
        # One transaction per chunk: an interrupted run leaves whole chunks, and the next run
        # fills in exactly what is missing.
        with transaction.atomic():
            write_chunk(chunk)
        progress.advance(len(chunk))


def _generate_seekers(
    *, city: Region, plan: _CityPlan, count: int, seed: int, today: date, stream: TextStream
) -> int:
    prefix = f"19{_discriminator(city, seed):02d}"
    existing = set(
        JobSeeker.objects.filter(phone__startswith=prefix).values_list("phone", flat=True)
    )
    missing = [i for i in range(count) if demo_phone(city=city, seed=seed, index=i) not in existing]

    def write(chunk: Sequence[int]) -> None:
        seekers, skills, memberships, certificates = [], [], [], []
        for index in chunk:
            rng = _stream(seed, city, "seeker", index)
            phone = demo_phone(city=city, seed=seed, index=index)

            def id_number(county: Region, male: bool, index: int = index) -> str:
                return demo_national_id(county=county, city=city, seed=seed, index=index, male=male)

            seeker, seeker_skills, seeker_groups, held = _generate_seeker(
                rng, plan, phone, today, id_number
            )
            seekers.append(seeker)
            skills.extend(seeker_skills)
            memberships.extend(seeker_groups)
            certificates.extend(held)
        insert_objects(JobSeeker, seekers, now=timezone.now())
        # Learn the new ids through the (unique) phones, and attach the dependent rows.
        ids = dict(
            JobSeeker.objects.filter(phone__in=[seeker.phone for seeker in seekers]).values_list(
                "phone", "pk"
            )
        )
        insert_rows(
            SeekerSkill,
            ["seeker_id", "occupation_id", "level", "years"],
            ((ids[s.seeker.phone], s.occupation_id, s.level, s.years) for s in skills),
        )
        insert_rows(
            SeekerKeyGroup,
            ["seeker_id", "key_group_id", "started_on", "ended_on"],
            ((ids[m.seeker.phone], m.key_group_id, m.started_on, None) for m in memberships),
        )
        insert_rows(
            SeekerCertificate,
            ["seeker_id", "kind_id", "number", "issued_on", "expires_on"],
            (
                (ids[c.seeker.phone], c.kind_id, c.number, c.issued_on, c.expires_on)
                for c in certificates
            ),
        )

    with Progress(total=len(missing), description="seekers", stream=stream) as progress:
        _in_chunks(missing, progress, write)
    return len(missing)


EMPLOYER_KINDS = (
    (Employer.Kind.ENTERPRISE, "91", 0.55, "有限公司"),
    (Employer.Kind.INDIVIDUAL, "92", 0.30, "经营部"),
    (Employer.Kind.PLATFORM, "91", 0.05, "网络科技有限公司"),
    (Employer.Kind.PUBLIC_INSTITUTION, "12", 0.10, "服务中心"),
)


@dataclass(frozen=True)
class _PlannedEmployer:
    rng: random.Random
    kind: str
    name_suffix: str
    county: Region
    credit_code: str


def _plan_employer(*, city: Region, plan: _CityPlan, seed: int, index: int) -> _PlannedEmployer:
    rng = _stream(seed, city, "employer", index)
    kind, code_prefix, _, suffix = rng.choices(
        EMPLOYER_KINDS, weights=[k[2] for k in EMPLOYER_KINDS]
    )[0]
    county = _weighted_choice(rng, plan.counties, plan.county_weights)
    code = demo_credit_code(prefix=code_prefix, county=county, city=city, seed=seed, index=index)
    return _PlannedEmployer(rng, kind, suffix, county, code)


def _generate_employers(
    *, city: Region, plan: _CityPlan, count: int, seed: int, stream: TextStream
) -> tuple[int, list[str]]:
    """Create the missing demo employers; their credit codes in index order, and how many."""
    planned = [_plan_employer(city=city, plan=plan, seed=seed, index=i) for i in range(count)]
    existing = set(
        Employer.objects.filter(credit_code__in=[p.credit_code for p in planned]).values_list(
            "credit_code", flat=True
        )
    )
    missing = [index for index, p in enumerate(planned) if p.credit_code not in existing]
    now = timezone.now()

    def write(chunk: Sequence[int]) -> None:
        employers = []
        for index in chunk:
            p = planned[index]
            latitude, longitude = _point_near(p.rng, p.county, p.county)
            employers.append(
                Employer(
                    name=f"{p.county.name_zh_hans[:2]}{p.rng.choice(EMPLOYER_WORDS)}"
                    f"{p.rng.choice(EMPLOYER_TRADES)}{p.name_suffix}",
                    credit_code=p.credit_code,
                    kind=p.kind,
                    contact_name=_person_name(p.rng),
                    region=p.county,
                    latitude=latitude,
                    longitude=longitude,
                    verified_at=now if p.rng.random() < 0.85 else None,
                )
            )
        Employer.objects.bulk_create(employers)

    with Progress(total=len(missing), description="employers", stream=stream) as progress:
        _in_chunks(missing, progress, write)
    return len(missing), [p.credit_code for p in planned]


# (unit, share, typical amount, spread): daily odd jobs dominate; Lanzhou day rates 150-300.
WAGE_PLANS = (
    (JobPost.WageUnit.DAY, 0.70, 200, 40),
    (JobPost.WageUnit.HOUR, 0.12, 25, 5),
    (JobPost.WageUnit.PIECE, 0.05, 5, 2),
    (JobPost.WageUnit.MONTH, 0.13, 4200, 800),
)
POST_STATUSES = (
    (JobPost.Status.OPEN, 0.78),
    (JobPost.Status.DRAFT, 0.04),
    (JobPost.Status.FILLED, 0.12),
    (JobPost.Status.CLOSED, 0.06),
)


def demo_post_reference(*, city: Region, seed: int, index: int) -> str:
    return f"DEMO-{city.code}-{seed}-{index:07d}"


def _generate_posts(
    *,
    city: Region,
    plan: _CityPlan,
    count: int,
    seed: int,
    employer_codes: list[str],
    today: date,
    stream: TextStream,
) -> list[JobPost]:
    """Create the missing demo posts; the posts created."""
    references = [demo_post_reference(city=city, seed=seed, index=i) for i in range(count)]
    existing = set(
        JobPost.objects.filter(reference__startswith=f"DEMO-{city.code}-{seed}-").values_list(
            "reference", flat=True
        )
    )
    missing = [index for index, ref in enumerate(references) if ref not in existing]
    employers = {
        employer.credit_code: employer
        for employer in Employer.objects.filter(credit_code__in=employer_codes).select_related(
            "region"
        )
    }

    created: list[JobPost] = []
    requirement = JobPost.required_certificates.through

    def write(chunk: Sequence[int]) -> None:
        posts, certificates_needed = [], []
        for index in chunk:
            rng = _stream(seed, city, "post", index)
            employer = employers[employer_codes[rng.randrange(len(employer_codes))]]
            trade = _weighted_choice(rng, plan.trades, plan.trade_weights)
            unit, _, typical, spread = rng.choices(WAGE_PLANS, weights=[w[1] for w in WAGE_PLANS])[
                0
            ]
            amount = max(typical / 4, rng.gauss(typical, spread))
            regular = unit == JobPost.WageUnit.MONTH
            starts_on = today + timedelta(days=rng.randrange(-3, 15))
            latitude, longitude = _point_near(rng, employer.region, employer.region)
            posts.append(
                JobPost(
                    reference=references[index],
                    employer=employer,
                    kind=JobPost.Kind.REGULAR if regular else JobPost.Kind.ODD_JOB,
                    title=f"{trade.name_zh_hans}（{employer.region.name_zh_hans}）",
                    occupation=trade,
                    openings=min(30, 1 + int(rng.expovariate(1 / 2.5))),
                    wage_amount=Decimal(
                        f"{amount:.2f}"
                        if unit != JobPost.WageUnit.MONTH
                        else f"{round(amount, -2):.2f}"
                    ),
                    wage_unit=unit,
                    settlement=JobPost.Settlement.MONTHLY
                    if regular
                    else rng.choice(
                        (
                            JobPost.Settlement.DAILY,
                            JobPost.Settlement.DAILY,
                            JobPost.Settlement.WEEKLY,
                            JobPost.Settlement.ON_COMPLETION,
                        )
                    ),
                    starts_on=starts_on,
                    ends_on=starts_on + timedelta(days=365 if regular else rng.randrange(0, 30)),
                    region=employer.region,
                    latitude=latitude,
                    longitude=longitude,
                    take_home=trade.code.startswith(("6-04", "6-05", "6-07"))
                    and rng.random() < 0.4,
                    status=rng.choices(
                        [s[0] for s in POST_STATUSES], weights=[s[1] for s in POST_STATUSES]
                    )[0],
                    station=rng.choice(plan.stations[employer.region_id]),
                )
            )
            needed = plan.usual_certificates.get(trade.pk, [])
            if needed and posts[-1].status == JobPost.Status.FILLED:
                # Demo hires skip certificate checks: keep such posts open instead.
                posts[-1].status = JobPost.Status.OPEN
            certificates_needed.append(needed)
        JobPost.objects.bulk_create(posts)
        requirement.objects.bulk_create(
            requirement(jobpost_id=post.pk, certificatekind_id=kind.pk)
            for post, kinds in zip(posts, certificates_needed, strict=True)
            for kind in kinds
        )
        created.extend(posts)

    with Progress(total=len(missing), description="posts", stream=stream) as progress:
        _in_chunks(missing, progress, write)
    return created


def demo_city_generate(
    *,
    city_code: str,
    seekers: int,
    employers: int,
    posts: int,
    seed: int,
    today: date,
    stream: TextStream,
) -> DemoResult:
    """Make sure the demo city of ``seed`` has the first N seekers, employers and posts."""
    try:
        city = Region.objects.get(code=city_code)
    except Region.DoesNotExist as error:
        raise DemoCityError(f"No region has the code {city_code}: run load_seeds first.") from error
    if posts and not employers:
        raise DemoCityError("Posts need employers: give --employers of at least 1.")
    plan = _plan(city)
    seekers_created = _generate_seekers(
        city=city, plan=plan, count=seekers, seed=seed, today=today, stream=stream
    )
    employers_created, employer_codes = _generate_employers(
        city=city, plan=plan, count=employers, seed=seed, stream=stream
    )
    created_posts = _generate_posts(
        city=city,
        plan=plan,
        count=posts,
        seed=seed,
        employer_codes=employer_codes,
        today=today,
        stream=stream,
    )
    # The people hired or applying come from this city and seed, each hired at most once.
    pool = JobSeeker.objects.filter(
        phone__startswith=f"19{_discriminator(city, seed):02d}"
    ).exclude(applications__status__in=HOLDS_OPENING)
    applications_created, placements_created = demo_activity_generate(
        posts=created_posts,
        seeker_ids=sorted(pool.values_list("pk", flat=True)),
        seed=seed,
        now=timezone.now(),
    )
    return DemoResult(
        seekers_created,
        employers_created,
        len(created_posts),
        applications_created,
        placements_created,
    )
