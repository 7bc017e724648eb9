"""The hostile-input corpus (issue 12, "prove it stays closed"): what an attacker, a broken
spreadsheet or a careless copy and paste sends. tests/test_hostile_inputs.py sends it through every
form, every write of the API and every import; tests/browser/test_hostile_in_chromium.py loads the
pages that show it.

Each value says what may happen to it: REFUSE (a 4xx, or a message beside the field, and nothing
saved) or EITHER (refused like that, or accepted, stored exactly as sent and shown escaped)."""

import json
from dataclasses import dataclass

from django.conf import settings

REFUSE, EITHER = "refuse", "either"


@dataclass(frozen=True)
class Hostile:
    name: str
    value: str
    outcome: str = EITHER
    mark: str = ""  # a part no other text holds: found without the whole value, the value was changed

    @property
    def needs_escaping(self) -> bool:
        """Whether the value, shown raw in a page, would be markup (what escaping must have changed)."""
        return any(c in self.value for c in "<>\"'&")


# --- Text -------------------------------------------------------------------------------------------

SCRIPT = Hostile("script", "<script>alert(1)</script>", mark="alert(1)")
IMG = Hostile("img-onerror", '"><img src=x onerror=alert(1)>', mark="onerror")
# No tag in it, so no markup filter refuses it: only escaping keeps it out of an attribute.
ATTRIBUTE = Hostile("attribute", '" autofocus onfocus="alert(1)" x="', mark="onfocus")
SQL = Hostile("sql", "'; DROP TABLE x;--", mark="DROP TABLE")
TRAVERSAL = Hostile("traversal", "../../etc/passwd", mark="etc/passwd")
# A right-to-left override and the zero-width characters (space, non-joiner, joiner, no-break).
RTL_ZERO_WIDTH = Hostile("rtl-zero-width", "abc\u202edcba\u202c\u200b\u200c\u200d\ufeffend", mark="dcba")
# Thai with its combining marks (mai tho over ก, sara am), Filipino precomposed and decomposed.
THAI_FILIPINO = Hostile("thai-filipino", "ก้ำ Ñiño Mañalac Nin\u0303o", mark="Mañalac")
NUL = Hostile("nul", "Off\x00ice", REFUSE)
# Over every text field's limit (the longest is 5,000 characters; the CSV import's own limit, the csv
# module's 131,072 characters, is tried in tests/test_hostile_numbers_and_ids.py).
TOO_LONG = Hostile("too-long", "x" * 20_001, REFUSE)

# Two by two in one value, so that every field meets all of them in few requests.
TAGS = Hostile("tags", SCRIPT.value + IMG.value, mark="alert(1)")
SQL_PATH = Hostile("sql-path", f"{SQL.value} {TRAVERSAL.value}", mark="DROP TABLE")
WRITING = Hostile("writing", f"{THAI_FILIPINO.value} {RTL_ZERO_WIDTH.value}", mark="Mañalac")

TEXT = [TAGS, ATTRIBUTE, SQL_PATH, WRITING, NUL, TOO_LONG]
# The values a page must show as text, never as markup (the browser test saves these).
MARKUP = [SCRIPT, IMG, ATTRIBUTE]

# --- Numbers ----------------------------------------------------------------------------------------

NUMBERS = [
    Hostile("nan", "NaN", REFUSE),
    Hostile("inf", "-inf", REFUSE),
    Hostile("1e999999", "1e999999", REFUSE),
    Hostile("10^20", str(10**20), REFUSE),
    Hostile("-1", "-1"),
]
# The same in a JSON body: numbers JSON can hold, and strings for the others.
JSON_NUMBERS: list[tuple[str, object, str]] = [
    ("nan", "NaN", REFUSE),
    ("inf", "Infinity", REFUSE),
    ("1e999999", "1e999999", REFUSE),
    ("10^20", 10**20, REFUSE),
    ("-1", -1, EITHER),
    ("true", True, EITHER),  # a bool is no number: refused, or read as 1 by a lenient field
]

# --- Dates ------------------------------------------------------------------------------------------

DATES = [
    Hostile("year-1", "0001-01-01"),
    Hostile("year-1800", "1800-01-01"),
    Hostile("year-9999", "9999-12-31"),
    Hostile("year-0", "0000-01-01", REFUSE),
]

# --- Files ------------------------------------------------------------------------------------------

FILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    '"><img src=x onerror=alert(1)>.csv',
    "gnp\u202e.csv",
    "figures\x00.csv",
    "ก้ำ Mañalac.csv",
]
# Bytes that are not UTF-8: a lone continuation byte, an overlong encoding, a truncated sequence.
INVALID_UTF8 = b"caf\xe9 \xc0\xaf \xff\xfe \xe0\xa4"


def deep_json(depth: int) -> str:
    """A JSON text nested `depth` levels deep (lists inside an object's value)."""
    return '{"a": ' + "[" * depth + "]" * depth + "}"


def oversized(limit: int | None = None) -> int:
    """One byte over what a request body may hold in memory (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return (limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 1


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
