"""The bureaus' reports API (read-only, under /api/v1/reports/): the indicator catalogue,
monthly rollups, period figures with year-on-year change and targets (JSON, CSV or XLSX),
and the records behind a figure for staff who may see them.

Readers are report keys and staff with a region (reporting/auth.py). A region outside the
reader's subtree answers 404, as a record outside a staff member's scope does elsewhere in
the API; an unknown region code is a bad parameter (400): region codes are public (GB/T
2260), so telling the two apart reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer
from core.errors import NotFound
from core.renderers import FastJSONRenderer
from core.rest import Pagination
from core.tokens import TokenAuthentication
from reporting.auth import (
    OpensRecords,
    ReadsReports,
    ReportKeyAuthentication,
    ReportReader,
    report_reader,
)
from reporting.models import IndicatorVersion, Measure, Outcome, Unit
from reporting.renderers import XLSX_MEDIA_TYPE, CSVRenderer, XLSXRenderer
from reporting.selectors import (
    Figure,
    MonthlyValue,
    Period,
    catalogue_list,
    figure_records,
    figures,
    indicator_versions,
    monthly_series,
    region_with_children,
)
from reporting.sources import source_admin_url
from stations.models import Region

# Five years of months: a rollup a bureau compares year on year, and a bound on one answer.
MAX_MONTHS = 60
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
CODE_PATTERN = re.compile(r"^[a-z0-9_-]+$")

JSON = "application/json"
ERRORS = {(status, JSON): ErrorSerializer for status in (400, 401, 403, 404, 406, 429)}


# --- Parameters -------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "pattern": MONTH_PATTERN, "example": "2025-03", "description": "YYYY-MM"}
)
class MonthField(serializers.Field):
    """A month as ``YYYY-MM``, held as its first day."""

    default_error_messages = {"invalid": gettext_lazy("Give a month as YYYY-MM.")}

    def to_internal_value(self, data: Any) -> dt.date:
        if not isinstance(data, str) or not re.fullmatch(MONTH_PATTERN, data):
            self.fail("invalid")
        year, month = int(data[:4]), int(data[5:])
        if year < 1900:
            self.fail("invalid")
        return dt.date(year, month, 1)

    def to_representation(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


class PeriodQuerySerializer(serializers.Serializer):
    region = serializers.CharField(max_length=20, help_text="Region code (GB/T 2260).")
    children = serializers.BooleanField(
        default=False, help_text="Also each direct child region of the region."
    )
    indicator = serializers.CharField(
        required=False,
        max_length=2000,
        help_text="Indicator codes separated by commas; every indicator when left out.",
    )

    def get_fields(self) -> dict[str, Any]:
        # "from" is a Python keyword: added here, not declared.
        fields = dict(super().get_fields())
        fields["from"] = MonthField(help_text="First month, YYYY-MM.")
        fields["to"] = MonthField(help_text="Last month, YYYY-MM (included).")
        return fields

    def validate_indicator(self, value: str) -> list[str]:
        codes = list(dict.fromkeys(code.strip() for code in value.split(",") if code.strip()))
        if not codes or not all(CODE_PATTERN.match(code) for code in codes):
            raise serializers.ValidationError(_("Give indicator codes separated by commas."))
        return codes

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["from"], attrs["to"]
        if end < start:
            raise serializers.ValidationError({"to": [_("The period ends before it starts.")]})
        period = Period(start, end)
        if len(period.months) > MAX_MONTHS:
            raise serializers.ValidationError(
                {"to": [_("A period is at most %(months)d months.") % {"months": MAX_MONTHS}]}
            )
        attrs["period"] = period
        return attrs


class RollupQuerySerializer(PeriodQuerySerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=32767,
        help_text="A version of the definition (one indicator only); the current one when "
        "left out.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "version" in attrs and len(attrs.get("indicator", [])) != 1:
            raise serializers.ValidationError(
                {"version": [_("A version is asked for with exactly one indicator.")]}
            )
        return attrs


class RecordQuerySerializer(PeriodQuerySerializer):
    indicator = serializers.CharField(max_length=60, help_text="One indicator code.")
    children = None  # type: ignore[assignment]

    def validate_indicator(self, value: str) -> list[str]:
        codes = super().validate_indicator(value)
        if len(codes) != 1:
            raise serializers.ValidationError(_("Give one indicator code."))
        return codes


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description="The output format, instead of the Accept header.",
)


# --- Output -----------------------------------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField(source="indicator.code")
    name_zh_hans = serializers.CharField(source="indicator.name_zh_hans")
    name_en = serializers.CharField(source="indicator.name_en")
    unit = serializers.ChoiceField(source="indicator.unit", choices=Unit.choices)
    section = serializers.CharField(source="indicator.section")
    measure = serializers.ChoiceField(choices=Measure.choices)
    version = serializers.IntegerField(source="number")
    definition = serializers.JSONField()
    description = serializers.SerializerMethodField()
    at_most_100 = serializers.BooleanField(source="indicator.at_most_100")

    def get_description(self, version: IndicatorVersion) -> str:
        english = (get_language() or "").startswith("en")
        return version.description_en if english else version.description_zh_hans


def value_field(help_text: str, source: str | None = None) -> serializers.DecimalField:
    """A figure: a JSON number (two decimals), null where there is none."""
    return serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=help_text,
        source=source,
    )


class RollupRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    indicator = serializers.CharField(source="indicator.code")
    version = serializers.IntegerField()
    month = MonthField()
    value = value_field("Null when suppressed (a small count of people).")
    suppressed = serializers.BooleanField()


class FigureRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    unit = serializers.ChoiceField(source="indicator.unit", choices=Unit.choices)
    version = serializers.IntegerField()
    period_from = MonthField(source="period.start")
    period_to = MonthField(source="period.end")
    value = value_field("Null when suppressed.")
    suppressed = serializers.BooleanField()
    year_earlier = value_field("The same period a year earlier.")
    year_on_year = value_field("Change in percent.")
    target = value_field("The annual target of the year.")
    completion = value_field("Share of the target, percent.")
    time_progress = value_field(
        "Share of the year elapsed at the period's end (periods from January).",
        source="period.time_progress",
    )


class RecordSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    month = MonthField()
    tags = serializers.SerializerMethodField()
    admin_url = serializers.SerializerMethodField(
        help_text="The source record's page in the admin."
    )

    class Meta:
        model = Outcome
        fields = [
            "id",
            "source",
            "source_id",
            "kind",
            "month",
            "region",
            "category",
            "tags",
            "amount",
            "admin_url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, outcome: Outcome) -> list[str]:
        return [tag for tag in outcome.tags.split(",") if tag]

    @extend_schema_field(OpenApiTypes.STR)
    def get_admin_url(self, outcome: Outcome) -> str | None:
        return source_admin_url(outcome.source, outcome.source_id)


# --- Views ------------------------------------------------------------------------------------


class ReportView(APIView):
    authentication_classes = [ReportKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [ReadsReports]

    @property
    def reader(self) -> ReportReader:
        reader = report_reader(self.request)
        assert reader is not None  # ReadsReports let the request in
        return reader

    def region(self, code: str) -> Region:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise exceptions.ValidationError(
                {"region": [_("No region has the code %(code)s.") % {"code": code}]}
            )
        if not self.reader.covers(region.path):
            raise NotFound(_("No such region."))
        return region

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and isinstance(response, Response):
            # Errors are always JSON in the API's error shape, whatever format was asked for.
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = JSON
        return response


def _versions(codes: list[str] | None, number: int | None = None) -> list[IndicatorVersion]:
    versions = indicator_versions(codes, number=number)
    missing = set(codes or ()) - {v.indicator.code for v in versions}
    if missing:
        if number is not None:
            message = _("The indicator has no version %(number)d.") % {"number": number}
            raise exceptions.ValidationError({"version": [message]})
        raise exceptions.ValidationError(
            {"indicator": [_("No indicator has the code %(code)s.") % {"code": min(missing)}]}
        )
    return versions


class IndicatorListApi(ReportView):
    """The indicator catalogue with each indicator's current definition."""

    @extend_schema(responses={(200, JSON): IndicatorSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(IndicatorSerializer(catalogue_list(), many=True).data)


class ExportView(ReportView):
    renderer_classes = [FastJSONRenderer, CSVRenderer, XLSXRenderer]
    export_columns: list[str]
    export_name: str


def _export_responses(rows: type[serializers.Serializer]) -> dict[Any, Any]:
    return {
        (200, JSON): rows(many=True),
        (200, "text/csv"): OpenApiTypes.STR,
        (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
        **ERRORS,
    }


class RollupListApi(ExportView):
    """Monthly values of a region (and its direct children) over a range of months."""

    export_columns = list(RollupRowSerializer().fields)
    export_name = "rollups"

    @extend_schema(
        parameters=[RollupQuerySerializer, FORMAT_PARAMETER],
        responses=_export_responses(RollupRowSerializer),
    )
    def get(self, request: Request) -> Response:
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        region = self.region(params["region"])
        versions = _versions(params.get("indicator"), params.get("version"))
        rows: list[MonthlyValue] = monthly_series(
            region_with_children(region, children=params["children"]),
            params["period"],
            versions=versions,
        )
        return Response(rollup_rows(rows))


CENTS = Decimal("0.01")


def rollup_rows(rows: Sequence[MonthlyValue]) -> list[dict[str, Any]]:
    """What ``RollupRowSerializer(rows, many=True).data`` renders to, built directly: a
    city's year of every indicator is thousands of rows, and DRF's field-by-field
    representation was most of the answer's time. (Values stay Decimals: the CSV and XLSX
    renderers write them with their two places.) The serializer stays the schema; a test
    holds the two renderings equal."""
    names: dict[int, str] = {}
    # A year of a city's rows repeats twelve months and mostly the value zero: each is
    # formatted once, not per row.
    months: dict[dt.date, str] = {}
    values: dict[Decimal, Decimal] = {}
    result = []
    for row in rows:
        region = row.region
        name = names.get(region.pk)
        if name is None:
            name = names[region.pk] = region.name
        month = months.get(row.month)
        if month is None:
            month = months[row.month] = f"{row.month:%Y-%m}"
        value = row.value
        if value is not None:
            rounded = values.get(value)
            if rounded is None:
                rounded = values[value] = value.quantize(CENTS)
            value = rounded
        result.append(
            {
                "region": region.code,
                "region_name": name,
                "indicator": row.indicator.code,
                "version": row.version,
                "month": month,
                "value": value,
                "suppressed": row.suppressed,
            }
        )
    return result


class FigureListApi(ExportView):
    """Per indicator and region, the period's figure, the same period a year earlier, the
    change in percent, the annual target, its completion and the time elapsed."""

    export_columns = list(FigureRowSerializer().fields)
    export_name = "figures"

    @extend_schema(
        parameters=[PeriodQuerySerializer, FORMAT_PARAMETER],
        responses=_export_responses(FigureRowSerializer),
    )
    def get(self, request: Request) -> Response:
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        region = self.region(params["region"])
        versions = _versions(params.get("indicator"))
        rows: list[Figure] = figures(
            region_with_children(region, children=params["children"]),
            params["period"],
            versions=versions,
        )
        return Response(FigureRowSerializer(rows, many=True).data)


class RecordListApi(ReportView, generics.ListAPIView):
    """The outcome records a figure counts (drill-through), for staff who may see records:
    what, when, where and how much, never who."""

    permission_classes = [ReadsReports, OpensRecords]
    pagination_class = Pagination
    serializer_class = RecordSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Outcome]:
        query = RecordQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        region = self.region(params["region"])
        (version,) = _versions(params["indicator"])
        if version.measure == Measure.RATIO:
            raise exceptions.ValidationError(
                {"indicator": [_("A ratio has no records of its own: open its two parts.")]}
            )
        return figure_records(version, region, params["period"])

    @extend_schema(
        parameters=[RecordQuerySerializer],
        responses={200: RecordSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
