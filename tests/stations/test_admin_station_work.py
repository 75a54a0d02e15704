"""The staff admin through Django's test client: scope, masking, reveal, and the actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from seeds.loader import load_seeds
from stations.models import Application, JobPost, JobSeeker, Placement
from stations.models.organisation import StaffRole
from stations.services.seekers import seeker_register
from stations.services.staff import staff_assign
from tests import factories

pytestmark = pytest.mark.django_db

# The management forms of the seeker page's inlines, with no rows.
EMPTY_INLINES = {
    f"{prefix}-{count}": "0"
    for prefix in (
        "key_group_spans",
        "skill_rows",
        "certificates",
        "applications",
        "wage_claims",
        "recommendations",
    )
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


@pytest.fixture
def city():
    load_seeds()
    station_a = factories.StationFactory(code="chengguan-1", region=factories.region("620102"))
    station_b = factories.StationFactory(code="qilihe-1", region=factories.region("620103"))
    now = timezone.now()
    seeker_a = seeker_register(
        full_name="王建国",
        residence_region=factories.region("620102"),
        household="rural",
        id_number=factories.national_id(),
        phone="13800138001",
        registering_station=station_a,
        by=None,
        now=now,
    )
    seeker_b = seeker_register(
        full_name="李秀英",
        residence_region=factories.region("620103"),
        household="urban",
        id_number=factories.national_id(male=False),
        phone="13900139002",
        registering_station=station_b,
        by=None,
        now=now,
    )
    return {"a": station_a, "b": station_b, "seeker_a": seeker_a, "seeker_b": seeker_b}


def staff_client(client, *, role=StaffRole.STATION_STAFF, stations=(), region=None, name="clerk"):
    user = factories.UserFactory(username=name)
    staff_assign(user=user, role=role, stations=list(stations), region=region)
    client.force_login(user)
    return client


def test_station_staff_list_only_their_stations_seekers(client, city):
    staff_client(client, stations=[city["a"]])
    page = client.get(reverse("admin:stations_jobseeker_changelist")).content.decode()
    assert "王建国" in page
    assert "李秀英" not in page
    other = client.get(reverse("admin:stations_jobseeker_change", args=[city["seeker_b"].pk]))
    assert other.status_code == 302  # "does not exist" → back to the admin index


def test_a_region_scoped_professional_sees_both_stations(client, city):
    staff_client(client, role=StaffRole.EMPLOYMENT_PROFESSIONAL, region=factories.region("620100"))
    page = client.get(reverse("admin:stations_jobseeker_changelist")).content.decode()
    assert "王建国" in page
    assert "李秀英" in page


def test_a_bureau_analyst_has_no_access_to_personal_records(client, city):
    staff_client(client, role=StaffRole.BUREAU_ANALYST, region=factories.region("620100"))
    assert client.get(reverse("admin:stations_jobseeker_changelist")).status_code == 403
    assert client.get(reverse("admin:stations_application_changelist")).status_code == 403
    assert client.get(reverse("admin:stations_jobpost_changelist")).status_code == 200


def test_lists_and_forms_show_id_numbers_and_phones_masked_only(client, city):
    staff_client(client, stations=[city["a"]])
    seeker = city["seeker_a"]
    clear_id = seeker.id_number_masked[:6]  # the region part is shown; the rest never
    pages = [
        client.get(reverse("admin:stations_jobseeker_changelist")).content.decode(),
        client.get(reverse("admin:stations_jobseeker_change", args=[seeker.pk])).content.decode(),
        client.get(reverse("admin:stations_jobseeker_history", args=[seeker.pk])).content.decode(),
    ]
    for page in pages:
        assert "13800138001" not in page
        assert "138****8001" in page or "history" in page
    for page in pages[:2]:
        assert seeker.id_number_masked in page
        assert clear_id + "********" in page


def test_the_history_page_masks_a_changed_phone(client, city):
    staff_client(client, stations=[city["a"]], name="editor")
    seeker = city["seeker_a"]
    change_url = reverse("admin:stations_jobseeker_change", args=[seeker.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(
        {
            "availability_slots": ["0", "1", "3", "4"],  # Monday and Tuesday, day shifts
            "new_phone": "13700137003",
            "residence_region": seeker.residence_region_id,
            "registering_station": city["a"].pk,
            "consent_sms": "on",
            "consent_push": "on",
        }
    )
    data.update(EMPTY_INLINES)
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    seeker.refresh_from_db()
    assert seeker.phone == "13700137003"
    assert seeker.availability == 0b11011
    history = client.get(reverse("admin:stations_jobseeker_history", args=[seeker.pk]))
    text = history.content.decode()
    assert "13700137003" not in text
    assert "13800138001" not in text
    assert "137****7003" in text


def test_revealing_needs_the_permission_and_every_reveal_is_logged(client, city):
    seeker = city["seeker_a"]
    url = reverse("admin:stations_jobseeker_reveal", args=[seeker.pk])
    staff_client(client, stations=[city["a"]])
    assert client.post(url).status_code == 403
    assert AuditLog.objects.count() == 0

    staff_client(
        client,
        role=StaffRole.EMPLOYMENT_PROFESSIONAL,
        region=factories.region("620100"),
        name="professional",
    )
    assert client.get(url).status_code == 200
    assert AuditLog.objects.count() == 0  # asking to confirm reveals nothing
    page = client.post(url).content.decode()
    assert "13800138001" in page
    entries = AuditLog.objects.filter(action=AuditLog.Action.REVEAL, object_id=str(seeker.pk))
    assert sorted(entries.values_list("detail__field", flat=True)) == ["id_number", "phone"]
    assert {entry.actor.username for entry in entries} == {"professional"}


def test_search_finds_a_whole_id_number_through_its_hash_and_a_phone_in_any_format(client, city):
    staff_client(client, stations=[city["a"]])
    url = reverse("admin:stations_jobseeker_changelist")
    number = factories.national_id()
    seeker = seeker_register(
        full_name="赵卫东",
        residence_region=factories.region("620102"),
        household="rural",
        id_number=number,
        phone="13600136000",
        registering_station=city["a"],
        by=None,
        now=timezone.now(),
    )
    by_id = client.get(url, {"q": number.lower()}).context["cl"].result_list
    assert list(by_id) == [seeker]
    by_phone = client.get(url, {"q": "+86 136-0013-6000"}).context["cl"].result_list
    assert list(by_phone) == [seeker]
    by_name = client.get(url, {"q": "王建"}).context["cl"].result_list
    assert list(by_name) == [city["seeker_a"]]


def test_registering_through_the_admin_encrypts_the_id_and_refuses_a_duplicate(client, city):
    staff_client(client, stations=[city["a"]])
    url = reverse("admin:stations_jobseeker_add")
    number = factories.national_id(born=dt.date(1985, 3, 9), male=False)
    data = {
        "full_name": "孙丽",
        "id_number": number,
        "new_phone": "135 0013 5000",
        "household": "rural",
        "residence_region": factories.region("620102").pk,
        "registering_station": city["a"].pk,
        "employment_status": "unemployed",
        "max_travel_km": "10",
        "preferred_language": "zh-hans",
        "consent_sms": "on",
        **EMPTY_INLINES,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    seeker = JobSeeker.objects.get(full_name="孙丽")
    assert seeker.phone == "13500135000"
    assert seeker.birth_date == dt.date(1985, 3, 9)
    assert seeker.sex == "female"
    assert number not in seeker.id_number_encrypted
    assert seeker.verified_at is not None

    again = client.post(url, {**data, "full_name": "孙丽丽", "new_phone": ""})
    assert again.status_code == 200
    assert "registered already" in str(again.context["adminform"].form.errors["id_number"])
    assert not JobSeeker.objects.filter(full_name="孙丽丽").exists()


def test_opening_a_post_of_an_unverified_employer_is_refused_with_a_message(client, city):
    staff_client(client, stations=[city["a"]])
    employer = factories.EmployerFactory(verified_at=None)
    post = factories.PostFactory(employer=employer, station=city["a"], status="draft")
    response = client.post(
        reverse("admin:stations_jobpost_changelist"),
        {"action": "open_posts", "_selected_action": [post.pk]},
        follow=True,
    )
    assert "not verified yet" in response.content.decode()
    post.refresh_from_db()
    assert post.status == "draft"


def test_recording_a_hire_creates_the_placement_and_fills_the_last_opening(client, city):
    staff_client(client, stations=[city["a"]])
    post = factories.PostFactory(station=city["a"], openings=1)
    application = Application.objects.create(
        post=post,
        seeker=city["seeker_a"],
        status="applied",
        source="counter",
        status_changed_at=timezone.now(),
    )
    url = reverse("admin:stations_application_hire", args=[application.pk])
    response = client.post(
        url,
        {
            "agreed_wage_amount": "230",
            "agreed_wage_unit": "day",
            "starts_on": post.starts_on.isoformat(),
            "ends_on": post.ends_on.isoformat(),
            "outcome": "flexible",
        },
    )
    assert response.status_code == 302
    placement = Placement.objects.get(application=application)
    assert placement.agreed_wage_amount == Decimal("230")
    post.refresh_from_db()
    assert post.status == JobPost.Status.FILLED

    other = Application.objects.create(
        post=post,
        seeker=factories.SeekerFactory(registering_station=city["a"]),
        status="applied",
        source="counter",
        status_changed_at=timezone.now(),
    )
    refused = client.post(
        reverse("admin:stations_application_hire", args=[other.pk]),
        {
            "agreed_wage_amount": "230",
            "agreed_wage_unit": "day",
            "starts_on": post.starts_on.isoformat(),
            "outcome": "flexible",
        },
    )
    assert refused.status_code == 200
    assert "nobody more can be hired" in refused.content.decode()
    assert not Placement.objects.filter(application=other).exists()


def test_the_audit_log_cannot_be_edited_even_by_a_superuser(admin_client, city):
    AuditLog.objects.create(action="export", object_type="stations.jobseeker")
    entry = AuditLog.objects.get()
    assert admin_client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    change = admin_client.post(reverse("admin:core_auditlog_change", args=[entry.pk]), {})
    assert change.status_code in (200, 403)
    assert (
        admin_client.post(
            reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_a_bureau_administrator_reads_the_audit_log_and_manages_staff_of_their_region_only(
    client, city
):
    dingxi_station = factories.StationFactory(code="anding-1", region=factories.region("621102"))
    outsider = factories.UserFactory(username="dingxi-clerk")
    staff_assign(user=outsider, role=StaffRole.STATION_STAFF, stations=[dingxi_station])
    insider = factories.UserFactory(username="chengguan-clerk")
    staff_assign(user=insider, role=StaffRole.STATION_STAFF, stations=[city["a"]])
    staff_client(
        client, role=StaffRole.BUREAU_ADMIN, region=factories.region("620100"), name="chief"
    )
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    listed = client.get(reverse("admin:stations_staff_changelist")).context["cl"].result_list
    assert {staff.user.username for staff in listed} == {"chengguan-clerk", "chief"}
    form = client.get(reverse("admin:stations_staff_add")).context["adminform"].form
    assert dingxi_station not in form.fields["stations"].queryset
    assert city["a"] in form.fields["stations"].queryset


def test_station_staff_cannot_read_the_audit_log(client, city):
    staff_client(client, stations=[city["a"]])
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 403


def _hired(city, *, wage="230"):
    from stations.services.applications import PlacementTerms, application_create, application_hire

    post = factories.PostFactory(station=city["a"], openings=1)
    now = timezone.now()
    application = application_create(
        post=post, seeker=city["seeker_a"], source="counter", by=None, now=now
    )
    return application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal(wage),
            agreed_wage_unit="day",
            starts_on=post.starts_on,
            ends_on=post.ends_on,
            outcome="flexible",
        ),
        by=None,
        now=now,
    )


def test_a_seekers_page_shows_their_applications_placements_and_wages(client, city):
    placement = _hired(city)
    from stations.services.wages import wage_payment_record

    wage_payment_record(
        placement=placement, amount=Decimal("460"), paid_on=timezone.localdate(), by=None
    )
    staff_client(client, stations=[city["a"]])
    page = client.get(
        reverse("admin:stations_jobseeker_change", args=[city["seeker_a"].pk])
    ).content.decode()
    assert placement.application.post.title in page
    assert "230.00 / per day" in page
    assert "460.00" in page


def test_staff_record_a_wage_payment_and_a_claim_that_flags_the_employer(client, city):
    placement = _hired(city)
    clerk = staff_client(client, stations=[city["a"]])
    paid = clerk.post(
        reverse("admin:stations_wagepayment_add"),
        {"placement": placement.pk, "amount": "230", "paid_on": "2026-11-20", "note": "第一天"},
    )
    assert paid.status_code == 302
    assert placement.payments.get().amount == Decimal("230")
    employer = placement.application.post.employer
    filed = clerk.post(
        reverse("admin:stations_wageclaim_add"),
        {
            "seeker": city["seeker_a"].pk,
            "employer": employer.pk,
            "placement": placement.pk,
            "amount_claimed": "690",
            "amount_recovered": "0",
            "description": "拖欠三天工资",
        },
    )
    assert filed.status_code == 302, filed.context["adminform"].form.errors
    claim = employer.wage_claims.get()
    assert (claim.status, claim.amount_claimed) == ("filed", Decimal("690"))
    posts = clerk.get(reverse("admin:stations_jobpost_changelist")).context["cl"].result_list
    flagged = {post.pk: post.employer_has_open_claims for post in posts}
    assert flagged[placement.application.post_id] is True
