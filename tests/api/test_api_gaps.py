"""What a review of the API found missing: staff tokens that end with the shift, logout for
tablets, a cap on tokens per person, no ID-number oracle, client addresses behind the proxy,
throttled code checks, filters on wage payments, the page-size cap, languages, and query
budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching.models import Device
from stations.models import JobSeeker, LoginCode, WageClaim, WagePayment
from stations.models.organisation import StaffRole
from stations.services.seekers import seeker_register
from stations.services.staff import staff_assign
from tests.api.test_seeker_api import login, sent_code
from tests.api.test_staff_api import hire_terms, refer, staff_login
from tests.factories import (
    EmployerFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    national_id,
    region,
)

pytestmark = pytest.mark.django_db

# Phones and addresses of these tests only: the throttles' counts live in the cache, which
# outlives each test's database transaction.
PHONES = iter(f"1370042{n:04d}" for n in range(10_000))
ADDRESSES = iter(f"198.51.100.{n}" for n in range(1, 255))


@pytest.fixture
def station(seeded):
    return StationFactory()


def clerk(station, username: str = "counter"):
    user = UserFactory(username=username)
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[station])
    return user


def tablet(username: str) -> APIClient:
    api = APIClient()
    response = staff_login(api, username)
    assert response.status_code == 200, response.json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def token_of(api: APIClient) -> AuthToken:
    secret = api._credentials["HTTP_AUTHORIZATION"].split()[1]
    return AuthToken.objects.get(token_key=secret[:15])


# Staff tokens last a shift


def test_using_a_staff_token_does_not_renew_it_past_the_shift(station, time_machine):
    clerk(station)
    time_machine.move_to(timezone.now(), tick=False)
    logged_in_at = timezone.now()
    api = tablet("counter")

    # Past knox's refresh interval (60 s), when it would write a new expiry.
    time_machine.move_to(logged_in_at + dt.timedelta(hours=2), tick=False)
    assert api.get("/api/v1/staff/posts").status_code == 200
    time_machine.move_to(logged_in_at + dt.timedelta(hours=11, minutes=59), tick=False)
    assert api.get("/api/v1/staff/posts").status_code == 200

    assert token_of(api).expiry <= logged_in_at + settings.STAFF_TOKEN_TTL
    time_machine.move_to(logged_in_at + settings.STAFF_TOKEN_TTL, tick=False)
    refused = api.get("/api/v1/staff/posts")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"


def test_a_staff_token_renewed_before_the_rule_is_cut_back_to_its_shift(station, time_machine):
    clerk(station)
    time_machine.move_to(timezone.now(), tick=False)
    logged_in_at = timezone.now()
    api = tablet("counter")
    # As knox's own renewal left it: a month from the first use.
    AuthToken.objects.filter(user__username="counter").update(
        expiry=logged_in_at + dt.timedelta(days=30)
    )

    assert api.get("/api/v1/staff/posts").status_code == 200
    assert token_of(api).expiry == logged_in_at + settings.STAFF_TOKEN_TTL
    time_machine.move_to(logged_in_at + settings.STAFF_TOKEN_TTL + dt.timedelta(minutes=1))
    assert api.get("/api/v1/staff/posts").status_code == 401


def test_a_seekers_token_is_still_renewed_by_use(seeded, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    api = APIClient()
    login(api, next(PHONES))
    later = timezone.now() + dt.timedelta(days=20)
    time_machine.move_to(later, tick=False)

    assert api.get("/api/v1/me").status_code == 200
    assert token_of(api).expiry == later + settings.REST_KNOX["TOKEN_TTL"]


# Logging out


def test_a_staff_tablet_logs_out_and_the_other_tablets_stay_in(station):
    clerk(station)
    front, back = tablet("counter"), tablet("counter")

    assert front.post("/api/v1/auth/logout").status_code == 204

    assert front.get("/api/v1/staff/posts").status_code == 401
    assert back.get("/api/v1/staff/posts").status_code == 200


def test_a_staff_member_logs_out_every_tablet(station):
    clerk(station)
    clerk(station, "colleague")
    front, back, colleague = tablet("counter"), tablet("counter"), tablet("colleague")

    assert back.post("/api/v1/auth/logout-all").status_code == 204

    assert front.get("/api/v1/staff/posts").status_code == 401
    assert back.get("/api/v1/staff/posts").status_code == 401
    assert colleague.get("/api/v1/staff/posts").status_code == 200


# Tokens per person


def test_a_login_past_the_token_limit_ends_the_device_unused_longest(
    seeded, settings, time_machine
):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    phone = next(PHONES)
    start = timezone.now()
    phones = []
    for hour in range(3):
        time_machine.move_to(start + dt.timedelta(hours=hour), tick=False)
        phones.append(APIClient())
        login(phones[-1], phone)
    first, second, third = phones
    time_machine.move_to(start + dt.timedelta(hours=3), tick=False)
    assert first.get("/api/v1/me").status_code == 200  # the first phone is still in use

    new = APIClient()
    login(new, phone)

    assert second.get("/api/v1/me").status_code == 401
    assert [api.get("/api/v1/me").status_code for api in (first, third, new)] == [200] * 3
    assert AuthToken.objects.filter(user=token_of(new).user).count() == 3


def test_a_staff_login_past_the_token_limit_ends_the_oldest_tablet(station, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    clerk(station)
    oldest, middle = tablet("counter"), tablet("counter")

    newest = tablet("counter")

    assert oldest.get("/api/v1/staff/posts").status_code == 401
    assert middle.get("/api/v1/staff/posts").status_code == 200
    assert newest.get("/api/v1/staff/posts").status_code == 200


def test_the_token_limit_is_the_configured_ten(seeded, settings):
    assert settings.REST_KNOX["TOKEN_LIMIT_PER_USER"] == 10
    settings.LOGIN_CODES_PER_PHONE_PER_HOUR = 11
    phone = next(PHONES)
    for _ in range(11):
        login(APIClient(), phone)

    user = JobSeeker.objects.get(phone=phone).user
    assert AuthToken.objects.filter(user=user).count() == 10


# No ID-number oracle


def test_a_seeker_typing_another_persons_id_number_learns_nothing_of_them(station):
    number = national_id()
    other = seeker_register(
        full_name="李秀英",
        residence_region=region(),
        household=JobSeeker.Household.RURAL,
        by=clerk(station),
        now=timezone.now(),
        id_number=number,
    )
    api = APIClient()
    me = login(api, next(PHONES))

    response = api.patch(
        "/api/v1/me", {"id_number": number}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_refused"
    assert body["errors"] == {"id_number": ["cannot be used; ask a station to check your ID card"]}
    text = response.content.decode()
    assert f"#{other.pk}" not in text
    assert "李秀英" not in text
    assert JobSeeker.objects.get(pk=me["seeker_id"]).id_number_hash is None


def test_staff_are_told_which_record_holds_the_id_number(station):
    number = national_id()
    user = clerk(station)
    first = seeker_register(
        full_name="李秀英",
        residence_region=region(),
        household=JobSeeker.Household.RURAL,
        by=user,
        now=timezone.now(),
        id_number=number,
        registering_station=station,
    )
    second = SeekerFactory(registering_station=station)

    response = tablet("counter").patch(
        f"/api/v1/staff/seekers/{second.pk}", {"id_number": number}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_seeker"
    assert f"#{first.pk}" in response.json()["detail"]


# Client addresses and login throttles


def ask_code(api: APIClient, phone: str, **extra):
    return api.post("/api/v1/auth/otp", {"phone": phone}, format="json", **extra)


def test_codes_are_throttled_per_client_address_across_phones(seeded, settings):
    settings.LOGIN_CODES_PER_IP_PER_HOUR = 2
    address, elsewhere = next(ADDRESSES), next(ADDRESSES)
    api = APIClient()

    answers = [ask_code(api, next(PHONES), REMOTE_ADDR=address).status_code for _ in range(3)]

    assert answers == [202, 202, 429]
    assert ask_code(api, next(PHONES), REMOTE_ADDR=elsewhere).status_code == 202


def test_x_forwarded_for_is_ignored_without_num_proxies(seeded, settings):
    settings.LOGIN_CODES_PER_IP_PER_HOUR = 1
    proxy = next(ADDRESSES)
    api = APIClient()

    first = ask_code(api, next(PHONES), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    forged = ask_code(api, next(PHONES), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert (first.status_code, forged.status_code) == (202, 429)
    assert set(LoginCode.objects.values_list("client_ip", flat=True)) == {proxy}


def test_behind_a_proxy_each_client_has_its_own_address(seeded, settings):
    settings.LOGIN_CODES_PER_IP_PER_HOUR = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = next(ADDRESSES)
    api = APIClient()

    def via_proxy(forwarded_for: str):
        return ask_code(api, next(PHONES), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for)

    # The proxy appends the address it saw; what the client sent before it does not count.
    one = via_proxy("203.0.113.1")
    other = via_proxy("10.9.9.9, 203.0.113.2")
    one_again = via_proxy("10.1.1.1, 203.0.113.1")
    garbage = via_proxy("not-an-address")

    assert [r.status_code for r in (one, other, one_again)] == [202, 202, 429]
    assert garbage.status_code == 202  # falls back to the proxy's own address
    assert set(LoginCode.objects.values_list("client_ip", flat=True)) == {
        "203.0.113.1",
        "203.0.113.2",
        proxy,
    }


def test_behind_a_proxy_a_staff_lockout_holds_for_the_address_that_failed(station, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    clerk(station)
    proxy, guesser, counter = next(ADDRESSES), next(ADDRESSES), next(ADDRESSES)
    api = APIClient()
    for n in range(settings.AXES_FAILURE_LIMIT):
        staff_login(api, "counter", f"guess-{n}", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=guesser)

    locked = staff_login(api, "counter", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=guesser)
    at_the_counter = staff_login(api, "counter", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=counter)

    assert locked.status_code == 429
    assert at_the_counter.status_code == 200


def check_code(api: APIClient, phone: str, code: str, **extra):
    return api.post("/api/v1/auth/token", {"phone": phone, "code": code}, format="json", **extra)


def test_code_checks_are_throttled_per_phone_from_any_address(seeded, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "login_verify_phone": "3/hour"}
    phone = next(PHONES)
    api = APIClient()
    assert ask_code(api, phone).status_code == 202
    code = sent_code(phone)
    wrong = "000000" if code != "000000" else "111111"

    answers = [
        check_code(api, phone, wrong, REMOTE_ADDR=next(ADDRESSES)).status_code for _ in range(3)
    ]
    throttled = check_code(api, phone, code, REMOTE_ADDR=next(ADDRESSES))

    assert answers == [400, 400, 400]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled.headers
    assert check_code(api, next(PHONES), wrong).status_code == 400  # other phones go on


def test_code_checks_are_throttled_per_client_address(seeded, settings):
    settings.API_THROTTLE_RATES = {
        **settings.API_THROTTLE_RATES,
        "login_verify_address": "3/hour",
    }
    address = next(ADDRESSES)
    api = APIClient()

    answers = [
        check_code(api, next(PHONES), "123456", REMOTE_ADDR=address).status_code for _ in range(4)
    ]

    assert answers == [400, 400, 400, 429]
    assert check_code(api, next(PHONES), "123456", REMOTE_ADDR=next(ADDRESSES)).status_code == 400


# Staff lists: filters and the page-size cap


@pytest.fixture
def counter(station):
    clerk(station)
    return tablet("counter")


def ids(api: APIClient, url: str, **query) -> set[int]:
    response = api.get(url, query)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def work(counter, station):
    """Two posts, three seekers referred, one hired and paid twice, two wage claims."""
    employer, other_employer = (EmployerFactory(registering_station=station) for _ in range(2))
    post = PostFactory(station=station, employer=employer, openings=3)
    other_post = PostFactory(station=station, employer=other_employer)
    seekers = [SeekerFactory(registering_station=station) for _ in range(3)]
    applications = [
        refer(counter, post, seekers[0]),
        refer(counter, post, seekers[1]),
        refer(counter, other_post, seekers[2]),
    ]
    hired = counter.post(
        f"/api/v1/staff/applications/{applications[0]['id']}/hire",
        hire_terms(post),
        format="json",
    ).json()
    other_hire = counter.post(
        f"/api/v1/staff/applications/{applications[2]['id']}/hire",
        hire_terms(other_post),
        format="json",
    ).json()
    counter.post(
        f"/api/v1/staff/applications/{applications[1]['id']}/move",
        {"to": "contacted"},
        format="json",
    )
    claims = [
        WageClaim.objects.create(
            seeker=seekers[0],
            employer=employer,
            amount_claimed=Decimal(100),
            filed_at=timezone.now(),
        ),
        WageClaim.objects.create(
            seeker=seekers[2],
            employer=other_employer,
            amount_claimed=Decimal(50),
            filed_at=timezone.now(),
            status=WageClaim.Status.MEDIATED,
        ),
    ]
    return {
        "employers": (employer, other_employer),
        "posts": (post, other_post),
        "seekers": seekers,
        "applications": [row["id"] for row in applications],
        "placements": (hired["id"], other_hire["id"]),
        "claims": [claim.pk for claim in claims],
    }


def test_staff_application_filters_narrow_the_list(counter, work):
    url = "/api/v1/staff/applications"
    first, contacted, elsewhere = work["applications"]

    assert ids(counter, url) == {first, contacted, elsewhere}
    assert ids(counter, url, post=work["posts"][0].pk) == {first, contacted}
    assert ids(counter, url, status="contacted") == {contacted}
    assert ids(counter, url, seeker=work["seekers"][2].pk) == {elsewhere}
    assert counter.get(url, {"status": "no-such-status"}).status_code == 400


def test_staff_placement_filters_narrow_the_list(counter, work):
    url = "/api/v1/staff/placements"
    placement, other = work["placements"]

    assert ids(counter, url) == {placement, other}
    assert ids(counter, url, post=work["posts"][1].pk) == {other}
    assert ids(counter, url, seeker=work["seekers"][0].pk) == {placement}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert ids(counter, url, starts_from=str(tomorrow)) == set()


def test_staff_wage_claim_filters_narrow_the_list(counter, work):
    url = "/api/v1/staff/wage-claims"
    filed, mediated = work["claims"]

    assert ids(counter, url) == {filed, mediated}
    assert ids(counter, url, status="mediated") == {mediated}
    assert ids(counter, url, employer=work["employers"][0].pk) == {filed}
    assert ids(counter, url, seeker=work["seekers"][2].pk) == {mediated}


def test_staff_employer_filters_narrow_the_list(counter, work, station):
    url = "/api/v1/staff/employers"
    employer, other = work["employers"]
    unverified = EmployerFactory(registering_station=station, verified_at=None, name="未核验商行")

    assert {employer.pk, other.pk, unverified.pk} <= ids(counter, url)
    assert ids(counter, url, q=employer.name) == {employer.pk}
    assert ids(counter, url, q=other.credit_code.lower()) == {other.pk}
    assert ids(counter, url, verified="false") == {unverified.pk}


def test_wage_payments_are_filtered_by_the_day_paid(counter, work):
    placement = work["placements"][0]
    url = f"/api/v1/staff/placements/{placement}/wage-payments"
    days = [dt.date(2026, 3, 1), dt.date(2026, 3, 8), dt.date(2026, 3, 15)]
    paid = [
        counter.post(url, {"amount": "100.00", "paid_on": str(day)}, format="json").json()["id"]
        for day in days
    ]

    assert ids(counter, url) == set(paid)
    assert ids(counter, url, paid_from="2026-03-08") == {paid[1], paid[2]}
    assert ids(counter, url, paid_until="2026-03-08") == {paid[0], paid[1]}
    assert ids(counter, url, paid_from="2026-03-02", paid_until="2026-03-14") == {paid[1]}
    refused = counter.get(url, {"paid_from": "March"})
    assert refused.status_code == 400
    assert "paid_from" in refused.json()["errors"]


def test_the_wage_payment_filters_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/staff/placements/{id}/wage-payments"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"paid_from", "paid_until", "page", "page_size"} <= names


def test_a_page_holds_at_most_100_rows_whatever_the_page_size_asked(counter, station):
    EmployerFactory.create_batch(101, registering_station=station)

    response = counter.get("/api/v1/staff/employers", {"page_size": 1000})

    assert response.status_code == 200
    assert response.json()["count"] == 101
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None


# Messages in the request's language


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_field_error_comes_in_the_requests_language(seeded, language):
    api = APIClient()
    login(api, next(PHONES))

    response = api.patch(
        "/api/v1/me",
        {"expected_daily_wage": "a lot"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == in_language(language, "The request is not valid.")
    assert body["errors"]["expected_daily_wage"] == [
        in_language(language, "A valid number is required.")
    ]
    if language == "zh-hans":
        assert body["detail"] == "请求内容有误。"
    else:
        assert body["detail"] == "The request is not valid."


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_domain_error_comes_in_the_requests_language(seeded, language):
    phone = next(PHONES)
    api = APIClient()
    ask_code(api, phone)
    code = sent_code(phone)
    wrong = "000000" if code != "000000" else "111111"

    response = check_code(api, phone, wrong, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    body = response.json()
    english = "The code is wrong or has expired; ask for a new one."
    assert body["code"] == "login_refused"
    assert body["detail"] == in_language(language, english)
    assert (body["detail"] == english) == (language == "en")
    assert body["errors"]["code"] == [in_language(language, "wrong or expired")]


# Query budgets


@pytest.mark.parametrize("count", [1, 6])
def test_my_devices_cost_the_same_queries_whatever_their_number(
    seeded, count, django_assert_max_num_queries
):
    api = APIClient()
    seeker = JobSeeker.objects.get(pk=login(api, next(PHONES))["seeker_id"])
    for n in range(count):
        Device.objects.create(seeker=seeker, kind="fcm", token=f"budget-{count}-{n}")
    api.get("/api/v1/me/devices")  # warm: the token's renewal

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/me/devices", {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [1, 6])
def test_wage_payments_cost_the_same_queries_whatever_their_number(
    counter, work, count, django_assert_max_num_queries
):
    placement = work["placements"][0]
    for n in range(count):
        WagePayment.objects.create(
            placement_id=placement, amount=Decimal(10 + n), paid_on=dt.date(2026, 3, 1 + n)
        )
    url = f"/api/v1/staff/placements/{placement}/wage-payments"
    counter.get(url)  # warm: the token's user and permissions

    with django_assert_max_num_queries(10):
        response = counter.get(url, {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] == count


def test_a_request_reads_only_its_own_token_and_an_expired_one_is_refused_and_deleted(
    seeded, django_assert_num_queries
):
    phone = APIClient()
    login(phone)
    other = APIClient()
    login(other)  # the same person's second device
    AuthToken.objects.filter(pk=AuthToken.objects.order_by("created").first().pk).update(
        expiry=timezone.now() - dt.timedelta(minutes=1)
    )
    live = APIClient()
    login(live, "13700000002")
    live.get("/api/v1/me/devices")

    with django_assert_num_queries(3):  # the token with its user, the seeker, the devices
        assert live.get("/api/v1/me/devices").status_code == 200

    refused = phone.get("/api/v1/me")
    assert refused.status_code == 401
    assert AuthToken.objects.count() == 2
    assert other.get("/api/v1/me").status_code == 200
