"""/api/v1/reports/: the bureaus' read-only reports (reporting/api.py)."""

from __future__ import annotations

from django.urls import path

from reporting import api
from reporting.api_bulletin import BulletinApi

urlpatterns = [
    path("reports/indicators", api.IndicatorListApi.as_view(), name="report-indicators"),
    path("reports/rollups", api.RollupListApi.as_view(), name="report-rollups"),
    path("reports/figures", api.FigureListApi.as_view(), name="report-figures"),
    path("reports/records", api.RecordListApi.as_view(), name="report-records"),
    path("reports/bulletin", BulletinApi.as_view(), name="reports-bulletin"),
]
