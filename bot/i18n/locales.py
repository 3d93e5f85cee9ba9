"""The five languages, by the names Discord gives them, and how a Discord locale maps onto one."""

from __future__ import annotations

from typing import Literal

Locale = Literal["en", "pt-BR", "es-ES", "fr", "de"]
DEFAULT: Locale = "en"
SUPPORTED: tuple[Locale, ...] = ("en", "pt-BR", "es-ES", "fr", "de")
# The languages translated from the source (every one but English): catalogues, content, checks.
TRANSLATED: tuple[Locale, ...] = tuple(locale for locale in SUPPORTED if locale != DEFAULT)

# Discord's locale codes (https://discord.com/developers/docs/reference#locales) onto ours.
_FROM_DISCORD: dict[str, Locale] = {
    "en-US": "en",
    "en-GB": "en",
    "pt-BR": "pt-BR",
    "es-ES": "es-ES",
    "es-419": "es-ES",  # Latin American Spanish is served the Spanish of Spain
    "fr": "fr",
    "de": "de",
}
# Ours onto the Discord locales a command's name and description are localized for.
DISCORD_LOCALES: dict[Locale, tuple[str, ...]] = {
    "en": (),
    "pt-BR": ("pt-BR",),
    "es-ES": ("es-ES", "es-419"),
    "fr": ("fr",),
    "de": ("de",),
}
# gettext's folder names (``pt_BR``), as Babel spells them.
GETTEXT_NAMES: dict[Locale, str] = {"en": "en", "pt-BR": "pt_BR", "es-ES": "es_ES", "fr": "fr", "de": "de"}
NAMES: dict[Locale, str] = {
    "en": "English",
    "pt-BR": "Português (Brasil)",
    "es-ES": "Español",
    "fr": "Français",
    "de": "Deutsch",
}


def discord_locale(code: str | None) -> Locale | None:
    """Our language for a Discord locale code (``"es-419"`` → ``"es-ES"``); None when we do not speak it."""
    if not code:
        return None
    return _FROM_DISCORD.get(code) or _FROM_DISCORD.get(code.split("-")[0])


def best_locale(*candidates: str | None) -> Locale:
    """The first candidate we speak (a stored choice, then Discord's), else English."""
    for candidate in candidates:
        if candidate in SUPPORTED:
            return candidate
        found = discord_locale(candidate)
        if found is not None:
            return found
    return DEFAULT
