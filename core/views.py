from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

from core.health import health_report


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (Redis or workers down only degrade); 503 otherwise."""
    serving, body = health_report()
    return JsonResponse(body, status=200 if serving else 503)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches: the API's JSON error shape under /api/, Django's page
    elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)


# What a request meets while PostgreSQL restarts, fails over or refuses connections (and a
# statement cancelled or a serialisation failure): worth trying again shortly.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """The answer to an unhandled error: 503 with ``Retry-After`` when the database was out
    of reach (every write is in a transaction, so nothing half-written stays), else 500;
    the API's JSON error shape under /api/, a page elsewhere. Django calls this while the
    exception is being handled, so ``sys.exc_info`` names it."""
    error = sys.exc_info()[1]
    api = request.path_info.startswith("/api/")
    if isinstance(error, DATABASE_UNAVAILABLE):
        detail = gettext("The service is briefly unavailable. Try again in a few seconds.")
        if api:
            response: HttpResponse = JsonResponse(
                {"detail": detail, "code": "unavailable"}, status=503
            )
        else:
            response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse(
            {"detail": gettext("A server error occurred."), "code": "error"}, status=500
        )
    return django_server_error(request)
