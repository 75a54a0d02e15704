"""Middleware of the suite."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, but the API speaks the language of ``Accept-Language`` (or the cookie).

    Django's gives URLs outside ``i18n_patterns`` the default language when the default is
    unprefixed (as the admin's is); apps and tablets ask by header instead. For the API the
    language is found once, without Django's look at the path for a language prefix (most
    of what this middleware cost an API request), and the response says it and varies by
    it as Django's would."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith("/api/"):
            super().process_request(request)
            return
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not request.path_info.startswith("/api/"):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
