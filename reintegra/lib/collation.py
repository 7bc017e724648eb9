"""Ordering names as their readers expect, without the system's locales (they differ between servers).

Case and accents are ignored (Ñ sorts with N, as Filipino readers expect). Thai is written with
some vowels before the consonant they follow when spoken (เ แ โ ใ ไ); Thai dictionaries order a
word by its first consonant, so the key moves such a vowel after it.
"""

import re
import unicodedata

_THAI_LEADING_VOWEL = re.compile("([\u0e40-\u0e44])([\u0e01-\u0e2e])")


def sort_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c) or "\u0e00" <= c <= "\u0e7f")
    return _THAI_LEADING_VOWEL.sub(r"\2\1", folded)
