"""The naive baseline of ``bench/api_jobs.py``: jobs near a point as a plain DRF
``ModelViewSet`` would serve them. Every open post is read, its distance computed in Python,
the posts within the radius sorted and paginated by ``PageNumberPagination``; the serializer
nests the employer and the occupation, read one query at a time.

Served with ``DJANGO_SETTINGS_MODULE=bench.naive_settings``, whose URLs are this module's:
the project's own, ``/naive/jobs``, and ``/bench/ping``: the stack's ceiling, a signed-in
request through the same middleware, authentication and throttles that reads nothing else.
"""

from __future__ import annotations

import math
from typing import Any

from django.urls import path
from rest_framework import permissions, routers, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler404
from config.urls import urlpatterns as project_urlpatterns
from stations.models import HOLDS_OPENING, Employer, JobPost, Occupation

EARTH_RADIUS_KM = 6371.0088


class NaiveOccupationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occupation
        fields = ["id", "code", "name_zh_hans", "name_en"]


class NaiveEmployerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = ["id", "name"]


class NaiveJobSerializer(serializers.ModelSerializer):
    occupation = NaiveOccupationSerializer()
    employer = NaiveEmployerSerializer()
    region = serializers.CharField(source="region.code")
    openings_left = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = JobPost
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "occupation",
            "employer",
            "openings",
            "openings_left",
            "wage_amount",
            "wage_unit",
            "settlement",
            "starts_on",
            "ends_on",
            "shift_starts_at",
            "shift_ends_at",
            "take_home",
            "region",
            "latitude",
            "longitude",
            "distance_km",
        ]

    def get_openings_left(self, post: JobPost) -> int:
        held = post.applications.filter(status__in=HOLDS_OPENING).count()
        return max(post.openings - held, 0)

    def get_distance_km(self, post: JobPost) -> float:
        return round(post.distance_km, 2)  # type: ignore[attr-defined]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    half_lat = math.radians(lat2 - lat1) / 2
    half_lon = math.radians(lon2 - lon1) / 2
    chord = (
        math.sin(half_lat) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(half_lon) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(chord))


class NaiveJobViewSet(viewsets.ModelViewSet):
    queryset = JobPost.objects.filter(status=JobPost.Status.OPEN)
    serializer_class = NaiveJobSerializer
    pagination_class = PageNumberPagination
    permission_classes = [permissions.IsAuthenticated]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        latitude = float(request.query_params["lat"])
        longitude = float(request.query_params["lon"])
        radius_km = float(request.query_params.get("radius_km", 10))
        near = []
        for post in self.get_queryset():
            post_latitude = post.latitude if post.latitude is not None else post.region.latitude
            post_longitude = post.longitude if post.longitude is not None else post.region.longitude
            if post_latitude is None or post_longitude is None:
                continue
            distance = haversine_km(latitude, longitude, post_latitude, post_longitude)
            if distance <= radius_km:
                post.distance_km = distance
                near.append(post)
        near.sort(key=lambda post: (post.distance_km, post.pk))
        page = self.paginate_queryset(near)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PingView(APIView):
    """An empty page of results for a signed-in user: what any API request here costs."""

    def get(self, request: Request) -> Response:
        return Response({"count": 0, "next": None, "previous": None, "results": []})


router = routers.SimpleRouter(trailing_slash=False)
router.register("naive/jobs", NaiveJobViewSet, basename="naive-jobs")

urlpatterns = [*router.urls, path("bench/ping", PingView.as_view()), *project_urlpatterns]
__all__ = ["handler404", "urlpatterns"]
