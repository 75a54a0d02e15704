"""``GET /api/v1/reports/bulletin``: a region's bulletin as Markdown or HTML.

The format is ``format=md|html`` or, without it, the Accept header (Markdown by default).
Errors answer in the API's one JSON shape whatever was asked for. A region outside the
caller's scope answers 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer
from core.renderers import FastJSONRenderer
from reporting.api import ReportView
from reporting.auth import ReadsReports, report_reader
from reporting.bulletin import bulletin
from stations.models import Region

MARKDOWN, HTML = "md", "html"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class TextRenderer(BaseRenderer):
    """Text already made: the view's data is the page."""

    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return str(data).encode()


class MarkdownRenderer(TextRenderer):
    media_type = "text/markdown"
    format = MARKDOWN


class HtmlTextRenderer(TextRenderer):
    # DRF's TemplateHTMLRenderer wants a template; the bulletin's HTML is made already.
    media_type = "text/html"
    format = HTML


class BulletinNegotiation(DefaultContentNegotiation):
    """``format=`` when it names a text format; anything else in it is the input
    serializer's to refuse (400), so it must not turn into DRF's 404 here."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        asked = request.query_params.get("format")
        text = [r for r in renderers if r.format in (MARKDOWN, HTML)]
        if asked is not None:
            chosen = next((r for r in text if r.format == asked), None)
            if chosen is None:
                return FastJSONRenderer(), FastJSONRenderer.media_type
            return chosen, chosen.media_type
        accept = request.META.get("HTTP_ACCEPT", "")
        for renderer in text:
            if renderer.media_type in accept:
                return renderer, renderer.media_type
        return text[0], text[0].media_type


class MonthField(serializers.CharField):
    default_error_messages = {"invalid_month": _("Enter a month as YYYY-MM.")}

    def to_internal_value(self, data: Any) -> dt.date:  # type: ignore[override]
        text = super().to_internal_value(data)
        match = MONTH.match(text)
        if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            self.fail("invalid_month")
        assert match is not None
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


class BulletinQuerySerializer(serializers.Serializer):
    region = serializers.CharField(max_length=20)
    as_of = MonthField()
    lang = serializers.ChoiceField(choices=["zh-hans", "en"], default="zh-hans")
    format = serializers.ChoiceField(choices=[MARKDOWN, HTML], required=False)


class BulletinApi(APIView):
    """A region's bulletin for January to the end of a month."""

    # The same readers as the rest of /api/v1/reports/: report keys, staff tokens, sessions.
    authentication_classes = ReportView.authentication_classes
    permission_classes = [ReadsReports]
    renderer_classes = [MarkdownRenderer, HtmlTextRenderer]
    content_negotiation_class = BulletinNegotiation

    @extend_schema(
        operation_id="reports_bulletin",
        summary="A region's bulletin, January to the end of a month, as Markdown or HTML",
        parameters=[
            OpenApiParameter("region", str, required=True, description="region code"),
            OpenApiParameter(
                "as_of", str, required=True, description="the last month counted, YYYY-MM"
            ),
            OpenApiParameter("lang", str, enum=["zh-hans", "en"], description="default zh-hans"),
            OpenApiParameter(
                "format", str, enum=[MARKDOWN, HTML], description="default from Accept, else md"
            ),
        ],
        responses={
            (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="The bulletin"),
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The bulletin"),
            (400, "application/json"): ErrorSerializer,
            (401, "application/json"): ErrorSerializer,
            (404, "application/json"): ErrorSerializer,
            (429, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        query = BulletinQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = Region.objects.filter(code=query.validated_data["region"]).first()
        reader = report_reader(request)
        if region is None or reader is None or not reader.covers(region.path):
            raise Http404
        as_html = request.accepted_renderer.format == HTML
        text = bulletin(
            region,
            query.validated_data["as_of"],
            query.validated_data["lang"],
            with_charts=as_html,
        )
        return Response(text.html if as_html else text.markdown)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON in the API's error shape, whatever format the bulletin was asked in.
        self.request.accepted_renderer = FastJSONRenderer()
        self.request.accepted_media_type = FastJSONRenderer.media_type
        return super().handle_exception(exc)
