"""Japanese first: the language is the one the user chose with the switcher, else Japanese.

Django's LocaleMiddleware would follow the browser's Accept-Language; in these offices a PC's browser language
says nothing about its user, so only the switcher's cookie counts."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class JapaneseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # as LocaleMiddleware sets it
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
