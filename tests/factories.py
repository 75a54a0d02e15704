"""factory_boy factories for the station records. Reference data (regions, occupations,
key groups) comes from the seed files: call ``seeds.loader.load_seeds()`` (or use the
``seeded`` fixture) before using these."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from stations.models import (
    CertificateKind,
    Employer,
    JobPost,
    JobSeeker,
    Occupation,
    Region,
    Station,
)
from stations.validators import credit_code_check_character, national_id_check_character

_serial = itertools.count(1)


def national_id(
    *, region: str = "620102", born: dt.date = dt.date(1990, 5, 17), male: bool = True
) -> str:
    """A valid GB 11643 number, distinct on each call."""
    sequence = (next(_serial) % 500) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + national_id_check_character(first17)


def credit_code() -> str:
    first17 = f"91620102{next(_serial):09d}"
    return first17 + credit_code_check_character(first17)


def phone() -> str:
    return f"138{next(_serial):08d}"


def region(code: str = "620102") -> Region:
    return Region.objects.get(code=code)


def trade(code: str | None = None) -> Occupation:
    trades = Occupation.objects.filter(level=Occupation.Level.TRADE)
    return trades.get(code=code) if code else trades.order_by("code").first()  # type: ignore[return-value]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password-1")
    is_staff = True


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    code = factory.Sequence(lambda n: f"station-{n}")
    name = factory.Sequence(lambda n: f"城关零工驿站{n}号")
    kind = Station.Kind.POST_STATION
    operator = Station.Operator.PUBLIC
    region = factory.LazyFunction(lambda: region("620102"))
    latitude = 36.057
    longitude = 103.841


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"兰州宏达建筑劳务有限公司{n}")
    credit_code = factory.LazyFunction(credit_code)
    kind = Employer.Kind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("620102"))
    verified_at = factory.LazyFunction(timezone.now)


class SeekerFactory(factory.django.DjangoModelFactory):
    """A seeker without an ID number; register through ``seeker_register`` to get one."""

    class Meta:
        model = JobSeeker

    full_name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.LazyFunction(phone)
    household = JobSeeker.Household.RURAL
    residence_region = factory.LazyFunction(lambda: region("620102"))
    latitude = 36.06
    longitude = 103.83
    expected_daily_wage = Decimal("200")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobPost

    reference = factory.Sequence(lambda n: f"POST-{n:06d}")
    employer = factory.SubFactory(EmployerFactory)
    title = "装卸工"
    occupation = factory.LazyFunction(trade)
    openings = 2
    wage_amount = Decimal("220.00")
    wage_unit = JobPost.WageUnit.DAY
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda post: post.starts_on + dt.timedelta(days=5))
    region = factory.LazyFunction(lambda: region("620102"))
    latitude = 36.06
    longitude = 103.84
    status = JobPost.Status.OPEN
    station = None


class CertificateKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateKind
        django_get_or_create = ("code",)

    code = "electrician_permit"
    name_zh_hans = "特种作业操作证（电工）"
    name_en = "Special operations permit (electrician)"


# Job fairs.

from stations.models import Booth, JobFair  # noqa: E402 - the fairs' factories, kept together


class FairFactory(factory.django.DjangoModelFactory):
    """A planned on-site fair in Chengguan starting in two days (no station unless given)."""

    class Meta:
        model = JobFair

    reference = factory.Sequence(lambda n: f"FAIR-{n:06d}")
    name = factory.Sequence(lambda n: f"城关区春风行动招聘会{n}")
    format = JobFair.Format.ON_SITE
    series = JobFair.Series.SPRING_BREEZE
    region = factory.LazyFunction(lambda: region("620102"))
    station = None
    venue = "兰州市人力资源市场一楼大厅"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda fair: fair.starts_at + dt.timedelta(hours=4))
    latitude = 36.061
    longitude = 103.834
    status = JobFair.Status.PLANNED


class BoothFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booth

    fair = factory.SubFactory(FairFactory)
    employer = factory.SubFactory(EmployerFactory)
    label = factory.Sequence(lambda n: f"A{n}")
    jobs_offered = 5


# --- 311 follow-up --------------------------------------------------------------------------


class TrainingCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.TrainingCourse"

    reference = factory.Sequence(lambda n: f"COURSE-{n:05d}")
    name = "中式烹调师（初级）"
    provider = "兰州市职业技能培训中心"
    occupation = factory.LazyFunction(trade)
    region = factory.LazyFunction(lambda: region("620100"))
    subsidised = True
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda course: course.starts_on + dt.timedelta(days=30))
    places = 30


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.Family"

    reference = factory.Sequence(lambda n: f"620102-HH-{n:06d}")
    region = factory.LazyFunction(lambda: region("620102"))
    address = "城关区东岗街道1号"
