"""Flask extensions, created unbound here and attached in create_app() with init_app."""
from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

import flask_babel
from flask_babel import Domain, force_locale, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

# A locale whose catalog may be incomplete, and the locale its missing strings are shown in: a string the
# Mongolian catalog does not translate reads in Chinese, never as its English message id.
FALLBACK_LOCALES = {"mn_Mong_CN": "zh_Hans_CN"}


class FallbackDomain(Domain):
    """Flask-Babel's message domain, with gettext's own fallback chain (the one `gettext.translation`
    builds for a list of languages): the catalog of a locale in FALLBACK_LOCALES gets the catalog of its
    fallback locale as `add_fallback`, so gettext, ngettext and pgettext look there for what it lacks.
    Nothing is copied between catalogs: a Chinese string changed later is shown as changed."""

    _chaining = threading.Lock()

    def get_translations(self) -> Any:
        translations = super().get_translations()
        fallback = FALLBACK_LOCALES.get(str(get_locale()))
        if fallback is None or getattr(translations, "examsys_fallback", None) == fallback:
            return translations
        with force_locale(fallback):
            chained = super().get_translations()
        with self._chaining:  # once per cached catalog: adding it twice would chain it to itself
            if getattr(translations, "examsys_fallback", None) != fallback:
                translations.add_fallback(chained)
                translations.examsys_fallback = fallback
        return translations


class Babel(flask_babel.Babel):
    """Flask-Babel with the FallbackDomain as its default domain."""

    @cached_property
    def domain_instance(self) -> Domain:
        return FallbackDomain(domain=self.domain)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
