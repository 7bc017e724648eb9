"""Shares and chances in the words people read them: "80 %", "about 7 in 10", and the Duncan
(dissimilarity) index explained in a sentence.

Rounding, written down once:
- A share is shown as a whole percentage, rounded half up (0.805 → 81 %). A share that is not zero
  but would round to 0 % reads "under 1 %"; one that is not whole but would round to 100 % reads
  "over 99 %", so that neither "nobody" nor "everybody" is ever shown where it is not true.
- A chance is shown in tenths, rounded half up (0.68 → "about 7 in 10", 0.65 → "about 7 in 10",
  0.64 → "about 6 in 10"). Above zero but under 0.05 it reads "fewer than 1 in 10"; from 0.95 up but
  under 1 it reads "more than 9 in 10"; exactly 0 and exactly 1 read "0 in 10" and "10 in 10".
- Values outside [0, 1] are clamped to it; a missing value reads "—".

Rounding uses the value's decimal representation, so 0.35 reads "about 4 in 10" (not 3, as binary
floating point would have it).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext

MISSING = "—"


def _clamped(value: float) -> Decimal:
    return min(max(Decimal(repr(float(value))), Decimal(0)), Decimal(1))


def _rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _percent_sign(number: int) -> str:
    # Translators: a percentage, e.g. "80 %"; write the number and the sign as your language does
    # (e.g. "80%"). A space here becomes a no-break space, so "80 %" never breaks across lines.
    text = pgettext("percentage", "%(number)s %%") % {"number": number_format(number, use_l10n=True)}
    return text.replace(" ", "\u00a0")


def percent(value: float | None) -> str:
    """0.8 → "80 %" (the number in the reader's locale); see the module's note on rounding."""
    if value is None:
        return MISSING
    share = _clamped(value)
    whole = _rounded(share * 100)
    if whole == 0 and share > 0:
        # Translators: a share above zero that rounds to 0 %; %(percent)s is "1 %".
        return pgettext("percentage", "under %(percent)s") % {"percent": _percent_sign(1)}
    if whole == 100 and share < 1:
        # Translators: a share below the whole that rounds to 100 %; %(percent)s is "99 %".
        return pgettext("percentage", "over %(percent)s") % {"percent": _percent_sign(99)}
    return _percent_sign(whole)


def in_ten(value: float | None) -> str:
    """0.68 → "about 7 in 10": a chance, or a share of people, in tenths; see the module's note."""
    if value is None:
        return MISSING
    share = _clamped(value)
    tenths = _rounded(share * 10)
    if share == 0:
        return gettext("0 in 10")
    if share == 1:
        return gettext("10 in 10")
    if tenths == 0:
        return gettext("fewer than 1 in 10")
    if tenths == 10:
        return gettext("more than 9 in 10")
    # Translators: a chance or a share in tenths, e.g. "about 7 in 10"; n is from 1 to 9.
    return ngettext("about %(n)s in 10", "about %(n)s in 10", tenths) % {"n": tenths}


def duncan_in_words(value: float | None) -> str:
    """What a Duncan (dissimilarity) index of women and men across options means, in one sentence
    computed from the number: the share of women (equally, of men) who would have to change options
    for both to be spread alike across the options."""
    if value is None:
        return gettext("Not measured: no women or no men among the people given an option.")
    index = _clamped(value)
    if index == 0:
        return gettext("Women and men are spread alike across the options: nobody would have to change.")
    if index == 1:
        return gettext(
            "Women and men never share an option: every woman (or every man) would have to change options "
            "for both to be spread alike."
        )
    # Translators: %(share)s is a share in tenths, e.g. "about 3 in 10" or "fewer than 1 in 10".
    return capfirst(
        gettext("%(share)s women (or men) would have to change options for both to be spread alike across the options.")
        % {"share": in_ten(float(index))}
    )
