from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.health import health_report


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (Redis or workers down only degrade); 503 otherwise."""
    serving, body = health_report()
    return JsonResponse(body, status=200 if serving else 503)
