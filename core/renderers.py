"""The API's JSON, written by orjson.

DRF's renderer runs the standard library's encoder, and on the busiest pages (twenty jobs
near a point, a city's year of rollups) encoding was a tenth of the web process's time for
the request. This one writes the same document: compact, UTF-8 unescaped, and whatever
orjson does not encode itself (Decimal, lazy translations, datetimes, anything a view left
unconverted) goes through DRF's own encoder, so the bytes are the ones DRF's renderer
would write (``tests/core/test_renderers.py`` and the API's tests compare the bytes).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# DRF's encoder writes datetimes its own way ("Z" for UTC, where orjson writes "+00:00"):
# they go through it. Integer keys (a list field's errors by index) are written as text,
# as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_drf_encoder = JSONEncoder()


def _default(value: Any) -> Any:
    # A Decimal first: a city's year of rollups holds thousands, and DRF's encoder asks five
    # other isinstance questions before it reaches them (its answer is the same float).
    if type(value) is Decimal:
        return float(value)
    return _drf_encoder.default(value)


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer by orjson; an indented answer (``Accept: application/json;
    indent=2``) and the browsable API's still come from DRF's."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return orjson.dumps(data, default=_default, option=OPTIONS)
