"""The API's JSON by orjson is byte for byte the JSON DRF's renderer writes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from core.renderers import FastJSONRenderer


def test_what_orjson_leaves_to_drf_is_written_as_drf_writes_it():
    data = ReturnDict(
        {
            "wage": Decimal("260.50"),
            "title": "装卸工 “急招”",
            "label": gettext_lazy("Job seeker"),
            "at": dt.datetime(2026, 12, 4, 8, 30, 15, 123456, tzinfo=dt.UTC),
            "on": dt.date(2026, 12, 4),
            "lasts": dt.timedelta(hours=3),
            "key": uuid.UUID(int=7),
            # A list field's errors, keyed by the item's index.
            "errors": {0: ["A valid integer is required."], 3: ["Too big."]},
            "nested": [{"km": 3.75, "none": None, "yes": True}],
        },
        serializer=None,
    )
    with translation.override("zh-hans"):
        ours = FastJSONRenderer().render(data)
        assert ours == JSONRenderer().render(data)
    # orjson alone would write "+00:00"; DRF writes UTC as "Z".
    assert "2026-12-04T08:30:15.123456Z" in ours.decode()
    assert FastJSONRenderer().render(None) == b""


def test_an_indented_answer_asked_for_is_indented():
    rendered = FastJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert rendered == JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert b"\n  " in rendered
