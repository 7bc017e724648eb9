"""Closure reasons (choices.ClosureReason) read from the words of a closure written before reasons
were recorded, or of an imported file's cas_ReasonForCaseClosure (free text in HTCDS v2.0).

Words that begin with a reason's English name ("Reintegrated: …", as `closure_words` writes them
into an export) give that reason. Otherwise the first rule whose words appear decides, in this
order: moving abroad again before moving, a death, lost contact, a move not handed over, a hand-over,
a move, a refusal, then the signs of a reintegration. Words that match none give no reason (""):
nobody guesses a reintegration that nobody recorded.
"""

from django.utils import translation

from .choices import ClosureReason

RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        ClosureReason.REMIGRATED,
        ("abroad", "re-migrat", "remigrat", "migrated again", "overseas", "left the country", "went back to work in"),
    ),
    (ClosureReason.DIED, ("died", "deceased", "passed away", "death")),
    (
        ClosureReason.LOST_CONTACT,
        ("lost contact", "cannot be reached", "can't be reached", "unreachable", "no contact", "not reachable"),
    ),
    (ClosureReason.MOVED, ("not handed over", "not transferred")),
    (ClosureReason.MOVED_TRANSFERRED, ("transferred", "handed over", "referred to", "handed to")),
    (ClosureReason.MOVED, ("moved", "relocated")),
    (
        ClosureReason.DECLINED,
        ("asked to close", "declined", "refused", "no longer wants", "does not want", "did not want"),
    ),
    (
        ClosureReason.REINTEGRATED,
        (
            "goals reached",
            "reintegrated",
            "stable income",
            "regular income",
            "employed",
            "no further support",
            "self-sufficient",
        ),
    ),
)


def _english_names() -> dict[str, str]:
    with translation.override("en"):
        return {str(reason.label).lower(): str(reason) for reason in ClosureReason}


def reason_of_words(words: str) -> str:
    """The closure reason the words name, or "" when they name none."""
    text = words.lower().strip()
    for name, reason in _english_names().items():
        if text == name or text.startswith(name + ":"):
            return reason
    for reason, keys in RULES:
        if any(key in text for key in keys):
            return str(reason)
    return ""


def closure_words(words: str, reason: str) -> str:
    """A closure as free text (HTCDS v2.0 keeps no code): the words, when they name the reason recorded;
    else the reason's English name before them, so that reading them back gives the same reason."""
    if not reason or reason_of_words(words) == reason:
        return words
    with translation.override("en"):
        name = str(ClosureReason(reason).label)
    return f"{name}: {words}" if words else name
