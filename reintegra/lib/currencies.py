"""Currencies (ISO 4217) named in the active language, and the currency of a country, so that forms
offer a choice that starts at the agency's own currency instead of asking for a code."""

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .geo import REGION

# The currency people are paid and owe in, per country: the region's, and the countries where
# returnees from it most often worked. A country not listed has no default (the field starts blank).
COUNTRY_CURRENCY = {
    "TH": "THB",
    "PH": "PHP",
    "MM": "MMK",
    "KH": "KHR",
    "LA": "LAK",
    "VN": "VND",
    "MY": "MYR",
    "ID": "IDR",
    "SG": "SGD",
    "BN": "BND",
    "TL": "USD",
    "CN": "CNY",
    "HK": "HKD",
    "TW": "TWD",
    "JP": "JPY",
    "KR": "KRW",
    "SA": "SAR",
    "AE": "AED",
    "QA": "QAR",
    "KW": "KWD",
    "BH": "BHD",
    "OM": "OMR",
    "LB": "LBP",
    "JO": "JOD",
    "IL": "ILS",
    "US": "USD",
    "GB": "GBP",
    "AU": "AUD",
    "NZ": "NZD",
    "CA": "CAD",
}


def currency_of(country: str) -> str:
    """The currency of a country ('' when unknown)."""
    return COUNTRY_CURRENCY.get((country or "").upper(), "")


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext.NullTranslations:
    lang = {"fil": "fil", "th": "th"}.get(language)
    if not lang:
        return gettext.NullTranslations()
    return gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def currency_label(code: str) -> str:
    """The code and the currency's name in the active language: “THB · Baht”."""
    currency = pycountry.currencies.get(alpha_3=code.upper()) if code else None
    if currency is None:
        return code
    name = _catalogue((get_language() or "en").split("-")[0]).gettext(currency.name)
    return f"{currency.alpha_3} · {name}"


@lru_cache(maxsize=1)
def _codes() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_3 for c in pycountry.currencies))


def currency_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every currency: the region's first (in the order of its countries), then the rest by code.
    Named once per language (a form shows them on every page that asks for an amount)."""
    return [(label, list(options)) for label, options in _currency_groups((get_language() or "en").split("-")[0])]


@lru_cache(maxsize=8)
def _currency_groups(language: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`language` is the active one; it keys the cache."""
    region = list(dict.fromkeys(COUNTRY_CURRENCY[c] for c in REGION))
    rest = [code for code in _codes() if code not in region]
    return (
        (str(_("In the region")), tuple((code, currency_label(code)) for code in region)),
        (str(_("Other currencies")), tuple((code, currency_label(code)) for code in rest)),
    )
