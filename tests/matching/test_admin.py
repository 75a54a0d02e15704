"""Matching in the admin: a post's candidates with reasons and the one-click push, a seeker's
recommended posts, the outbox and the regions' policies, all within the staff's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchingPolicy, Notification
from matching.services.recommendations import seeker_match
from stations.models import Occupation, SeekerSkill
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(seeded, settings):
    settings.MATCHING_PUSH_TOP = 0
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    station = factories.StationFactory(code="chengguan-1", region=factories.region("620102"))
    other = factories.StationFactory(code="qilihe-1", region=factories.region("620103"))
    seekers = []
    for n, name in enumerate(["王建国", "李秀英"]):
        seeker = factories.SeekerFactory(
            full_name=name, registering_station=station, latitude=36.06 + 0.01 * n, longitude=103.84
        )
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=8 - n)
        seekers.append(seeker)
    post = factories.PostFactory(occupation=trade, station=station, title="搬运工")
    return {"station": station, "other": other, "seekers": seekers, "post": post}


def login(client, role=StaffRole.STATION_STAFF, *, stations=(), region=None, name="clerk"):
    user = factories.UserFactory(username=name)
    staff_assign(user=user, role=role, stations=list(stations), region=region)
    client.force_login(user)
    return user


def candidates_url(post):
    return reverse("admin:stations_jobpost_candidates", args=[post.pk])


def test_the_post_page_links_to_its_candidates(client, city):
    login(client, stations=[city["station"]])
    page = client.get(reverse("admin:stations_jobpost_change", args=[city["post"].pk]))
    assert candidates_url(city["post"]) in page.content.decode()


def test_staff_see_the_ranked_candidates_with_reasons_and_masked_phones(client, city):
    login(client, stations=[city["station"]])

    response = client.get(candidates_url(city["post"]))

    page = response.content.decode()
    assert response.status_code == 200
    first, second = city["seekers"]
    assert page.index(first.full_name) < page.index(second.full_name)
    assert "8 years" in page  # the skill reason, in the request's language
    assert "km away" in page
    assert first.phone not in page
    assert first.phone[-4:] in page  # masked: only the last digits


def test_staff_push_the_post_to_the_selected_seekers_in_one_click(client, city):
    login(client, stations=[city["station"]])
    _first, second = city["seekers"]
    client.get(candidates_url(city["post"]))

    response = client.post(candidates_url(city["post"]), {"seekers": [second.pk]}, follow=True)

    assert "pushed to 1 job seekers" in response.content.decode()
    pushed = Notification.objects.filter(post=city["post"], channel="in_app")
    assert list(pushed.values_list("seeker_id", flat=True)) == [second.pk]
    again = client.post(candidates_url(city["post"]), {"seekers": [second.pk]}, follow=True)
    assert "had been pushed this post already" in again.content.decode()
    assert pushed.count() == 1


def test_pushing_with_nobody_selected_says_so(client, city):
    login(client, stations=[city["station"]])
    response = client.post(candidates_url(city["post"]), {})
    assert response.status_code == 200
    assert "Select the seekers to push to." in response.content.decode()
    assert Notification.objects.count() == 0


def test_staff_of_another_station_cannot_reach_the_page(client, city):
    login(client, stations=[city["other"]])
    assert client.get(candidates_url(city["post"])).status_code == 404
    assert (
        client.post(candidates_url(city["post"]), {"seekers": [city["seekers"][0].pk]}).status_code
        == 404
    )
    assert Notification.objects.count() == 0


def test_an_analyst_sees_no_candidates_page(client, city):
    login(client, StaffRole.BUREAU_ANALYST, region=factories.region("620100"))
    response = client.get(candidates_url(city["post"]))
    assert response.status_code in (403, 404)


def test_a_seekers_page_lists_their_recommended_posts(client, city):
    login(client, stations=[city["station"]])
    seeker = city["seekers"][0]
    seeker_match(seeker_id=seeker.pk, now=timezone.now())

    page = client.get(reverse("admin:stations_jobseeker_change", args=[seeker.pk])).content.decode()

    assert "Recommended posts" in page
    assert "搬运工" in page


def test_the_outbox_is_read_only_and_scoped(client, city):
    from matching.services.outbox import notify_seeker

    first, _ = city["seekers"]
    outsider = factories.SeekerFactory(
        full_name="赵外人", residence_region=factories.region("620103")
    )
    for seeker in (first, outsider):
        notify_seeker(
            seeker=seeker,
            template="post_recommended",
            context={},
            dedup_key=f"t{seeker.pk}",
            now=timezone.now(),
        )
    login(client, stations=[city["station"]])

    page = client.get(reverse("admin:matching_notification_changelist")).content.decode()

    assert first.full_name in page
    assert "赵外人" not in page
    assert first.phone not in page
    row = Notification.objects.filter(seeker=first).first()
    change = client.post(
        reverse("admin:matching_notification_change", args=[row.pk]), {"status": "failed"}
    )
    assert change.status_code == 403 or Notification.objects.get(pk=row.pk).status == row.status
    assert client.get(reverse("admin:matching_notification_add")).status_code == 403


def test_a_bureau_admin_sets_the_regions_policy_and_bad_weights_are_refused(client, city):
    login(client, StaffRole.BUREAU_ADMIN, region=factories.region("620100"))
    form = {
        "region": factories.region("620102").pk,
        "weight_skill": "0.50",
        "weight_distance": "0.20",
        "weight_wage": "0.10",
        "weight_availability": "0.10",
        "weight_priority": "0.10",
        "weight_reliability": "0.10",
        "weight_activity": "0.05",
        "key_group_priority": '{"veteran": 1.0}',
        "distance_scale_km": "6",
        "default_post_radius_km": "20",
        "require_related_skill": "on",
        "near_equal_band": "0.02",
        "maximum_age": "65",
        "queue_weight": "0.3",
    }
    refused = client.post(reverse("admin:matching_matchingpolicy_add"), form)
    assert refused.status_code == 200
    assert "must add up to 1" in refused.content.decode()
    form["weight_skill"] = "0.35"
    saved = client.post(reverse("admin:matching_matchingpolicy_add"), form)
    assert saved.status_code == 302
    assert MatchingPolicy.objects.get().default_post_radius_km == 20
    outside = {**form, "region": factories.region("620000").pk}
    refused = client.post(reverse("admin:matching_matchingpolicy_add"), outside)
    assert refused.status_code == 200
    assert MatchingPolicy.objects.count() == 1


def test_with_a_worker_the_page_asks_it_to_rank_and_says_so(client, city, monkeypatch):
    """The web process never loads the city's snapshot: a stale ranking goes to a worker."""
    sent = []
    monkeypatch.setattr("matching.admin.rematch_posts.delay", lambda ids: sent.append(ids))
    login(client, stations=[city["station"]])

    page = client.get(candidates_url(city["post"])).content.decode()

    assert sent == [[city["post"].pk]]
    assert "The ranking is being refreshed" in page
    assert "No job seeker matches this post yet." in page
