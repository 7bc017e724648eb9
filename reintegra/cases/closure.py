"""Closure reasons (choices.ClosureReason) read from the words of a closure written before reasons
were recorded, or of an imported file's cas_ReasonForCaseClosure (free text in HTCDS v2.0).

The first rule whose words appear decides, in this order: moving abroad again before moving, a
death, lost contact, a hand-over, a move, a refusal, then the signs of a reintegration. Words that
match none give no reason (""): nobody guesses a reintegration that nobody recorded.
"""

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


def reason_of_words(words: str) -> str:
    """The closure reason the words name, or "" when they name none."""
    text = words.lower()
    for reason, keys in RULES:
        if any(key in text for key in keys):
            return str(reason)
    return ""
