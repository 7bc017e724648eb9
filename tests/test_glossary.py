"""The translations name each domain concept as docs/glossary.md says, in Thai and in Filipino.

The catalogues are read as text (no gettext library needed); the glossary's tables say, per
language, which English terms (with an optional message context) must be rendered with which
word and which variants must not appear. How a table is read is written in the glossary itself.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
LANGUAGES = {"th": "Thai", "fil": "Filipino"}


def catalogue_text(language: str) -> str:
    return (ROOT / "reintegra" / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


# --- The catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    msgstrs: tuple[str, ...]
    fuzzy: bool


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted.strip()[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Every entry of a .po file except the header and obsolete (#~) ones."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    key = ""

    def finish() -> None:
        nonlocal fields, flags
        if "msgid" in fields and fields["msgid"]:
            strs = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
            entries.append(Entry(fields.get("msgctxt"), fields["msgid"], strs, "fuzzy" in flags))
        fields, flags = {}, set()

    for line in text.splitlines():
        if not line.strip():
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if "msgid" in fields:
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
        elif match := _KEYWORD.match(line):
            key = match.group(1)
            if key == "msgctxt" and "msgid" in fields:
                finish()
            fields[key] = _unquote(match.group(2))
        elif line.startswith('"'):
            fields[key] += _unquote(line)
        else:
            raise ValueError(f"Unreadable line in the catalogue: {line!r}")
    finish()
    return entries


# --- The glossary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    forms: tuple[str, ...]
    context: str | None
    renderings: tuple[str, ...]
    forbidden: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.forms[0] + (f" [{self.context}]" if self.context else "")


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def parse_glossary(text: str) -> dict[str, list[Term]]:
    """The rows of each language's table: {"Thai": [...], "Filipino": [...]}."""
    tables: dict[str, list[Term]] = {}
    language = None
    for line in text.splitlines():
        if line.startswith("## "):
            language = line[3:].strip()
            continue
        if language not in LANGUAGES.values() or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "English" or set(cells[0]) <= {"-"}:
            continue
        english, context, _meaning, rendering, forbidden = cells
        tables.setdefault(language, []).append(
            Term(_split(english), context or None, _split(rendering), _split(forbidden))
        )
    return tables


# --- The check ----------------------------------------------------------------------------------


def _english_pattern(form: str) -> re.Pattern[str]:
    stem = re.escape(form)
    plural = f"{re.escape(form[:-1])}ies" if form.endswith("y") else f"{stem}(?:s|es)"
    return re.compile(rf"(?<!\w)(?:{stem}|{plural})(?!\w)", re.IGNORECASE)


def _appears(variant: str, translation: str) -> bool:
    """Latin-script words are matched whole; Thai has no spaces between words, so anywhere."""
    if re.fullmatch(r"[A-Za-z][A-Za-z -]*", variant):
        return re.search(rf"(?<!\w){re.escape(variant)}(?!\w)", translation, re.IGNORECASE) is not None
    return variant.casefold() in translation.casefold()


def _terms_for(entry: Entry, terms: list[Term]) -> list[Term]:
    """The rows that apply to an entry: a row with its context, else a row without one that no row
    for the same term and the entry's context overrides."""
    claimed = {t.forms[0].casefold() for t in terms if t.context is not None and t.context == entry.context}
    return [
        t for t in terms if t.context == entry.context or (t.context is None and t.forms[0].casefold() not in claimed)
    ]


# What in an English text is code, not words to translate: placeholders, quoted values, paths and
# identifiers (docs/reintegration-index.md, demand_index), and a list of CSV column names.
_CODE = re.compile(
    r"%\(\w+\)[-#0 +.\d]*[a-z]|“[^”]*”|\"[^\"]*\"|[\w.-]*[\w][_/.][\w][\w./-]*|Columns: [^.]*\.",
)


def matched_terms(entry: Entry, terms: list[Term]) -> list[Term]:
    """The terms an entry's English text names; a longer match hides the shorter ones inside it."""
    english = _CODE.sub(lambda m: " " * len(m.group()), entry.msgid)
    candidates = []
    for term in _terms_for(entry, terms):
        for form in term.forms:
            candidates += [
                (m.end() - m.start(), m.start(), m.end(), term) for m in _english_pattern(form).finditer(english)
            ]
    taken: list[tuple[int, int]] = []
    found: list[Term] = []
    for _length, start, end, term in sorted(candidates, key=lambda c: -c[0]):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        if term not in found:
            found.append(term)
    return found


def glossary_problems(entries: list[Entry], terms: list[Term]) -> list[str]:
    problems = []
    for entry in entries:
        if entry.fuzzy or not all(entry.msgstrs):
            continue  # not used at run time; CI's msgfmt --statistics reports these
        for term in matched_terms(entry, terms):
            for translation in entry.msgstrs:
                where = f"{entry.msgid!r} → {translation!r}"
                if term.renderings and not any(r.casefold() in translation.casefold() for r in term.renderings):
                    problems.append(f"{term.name}: {where} does not say {' or '.join(term.renderings)!r}")
                for variant in term.forbidden:
                    if _appears(variant, translation):
                        problems.append(f"{term.name}: {where} uses {variant!r}")
    return problems


def unused_terms(entries: list[Entry], terms: list[Term]) -> list[str]:
    used = {term for entry in entries for term in matched_terms(entry, terms)}
    return [term.name for term in terms if term not in used]


# --- The tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glossary() -> dict[str, list[Term]]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def test_the_glossary_has_a_table_for_each_language(glossary):
    assert set(glossary) == set(LANGUAGES.values())
    for terms in glossary.values():
        assert len(terms) >= 30
        assert all(term.renderings for term in terms)
        assert len({(t.forms[0].casefold(), t.context) for t in terms}) == len(terms), "a term is listed twice"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_names_each_concept_as_the_glossary_says(glossary, language):
    problems = glossary_problems(parse_po(catalogue_text(language)), glossary[LANGUAGES[language]])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_glossary_term_is_used_in_the_catalogue(glossary, language):
    assert not unused_terms(parse_po(catalogue_text(language)), glossary[LANGUAGES[language]])


def _planted(language: str, msgid: str, translation: str, context: str | None = None) -> str:
    """The real catalogue text with one entry's translation (all its lines) replaced."""
    lines = catalogue_text(language).split("\n")
    heads = [
        i
        for i, line in enumerate(lines)
        if line == f'msgid "{msgid}"'
        and (lines[i - 1] == f'msgctxt "{context}"' if context else "msgctxt" not in lines[i - 1])
    ]
    assert len(heads) == 1, f"{msgid!r} is not an entry of the {language} catalogue"
    start = heads[0] + 1
    end = start + 1
    while lines[end].startswith('"'):
        end += 1
    return "\n".join([*lines[:start], f'msgstr "{translation}"', *lines[end:]])


@pytest.mark.parametrize(
    ("language", "msgid", "translation", "context", "term"),
    [
        ("fil", "the share of women", "ang bahagi ng kababaihan", None, "share of women"),
        ("fil", "This consent was already withdrawn.", "Nabawi na ang pahintulot na ito.", None, "withdraw"),
        ("fil", "Revoked", "Binawi", None, "revoke"),
        ("fil", "Record the placement", "Itala ang placement", None, "placement"),
        ("fil", "Closed", "Sarado", "business status", "Closed [business status]"),
        ("th", "Greedy, in turn", "แบบละโมบ ทีละคนตามลำดับ", None, "greedy"),
        ("th", "Placement partners (employers)", "ภาคีที่รับเข้าทำงาน (นายจ้าง)", None, "placement partner"),
        ("th", "Closed", "ปิดกรณีแล้ว", "business status", "Closed [business status]"),
        ("th", "some", "มีบ้าง", "children in school", "some [children in school]"),
        ("th", "Needing income now, given a paid option", "ผู้ที่ต้องการรายได้ทันทีที่ได้รับทางเลือก", None, "income now"),
    ],
)
def test_a_variant_the_glossary_rules_out_is_caught(glossary, language, msgid, translation, context, term):
    terms = glossary[LANGUAGES[language]]

    def problems_of_the_entry(text: str) -> list[str]:
        entries = [e for e in parse_po(text) if (e.context, e.msgid) == (context, msgid)]
        assert len(entries) == 1
        return glossary_problems(entries, terms)

    assert problems_of_the_entry(catalogue_text(language)) == []
    problems = problems_of_the_entry(_planted(language, msgid, translation, context))
    assert problems and all(problem.startswith(term) for problem in problems), problems


def test_a_longer_term_hides_the_shorter_one_inside_it(glossary):
    terms = glossary["Filipino"]
    entry = Entry(None, "Job placement", ("Pagkakalagay sa trabaho",), fuzzy=False)
    assert [t.forms[0] for t in matched_terms(entry, terms)] == ["job placement"]


def test_a_row_with_a_context_overrides_the_row_without_one(glossary):
    terms = glossary["Thai"]
    stage = Entry("case stage", "Return", ("การส่งกลับ",), fuzzy=False)
    category = Entry("data category", "Return", ("การส่งกลับ",), fuzzy=False)
    assert [t.name for t in matched_terms(stage, terms)] == ["Return [case stage]"]
    assert glossary_problems([stage], terms) == []
    assert glossary_problems([category], terms)


def test_plural_entries_and_continued_lines_are_read():
    text = (
        'msgid ""\nmsgstr ""\n"Language: fil\\n"\n\n'
        "#: templates/cases/list.html\n#, python-format\n"
        'msgid "%(counter)s overdue task"\nmsgid_plural "%(counter)s overdue tasks"\n'
        'msgstr[0] "%(counter)s gawaing "\n"lampas na sa takdang petsa"\n'
        'msgstr[1] "%(counter)s gawaing lampas-takdang"\n\n'
        '#, fuzzy\nmsgctxt "case stage"\nmsgid "Closed"\nmsgstr "Sarado"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Wala na"\n'
    )
    entries = parse_po(text)
    assert entries == [
        Entry(
            None,
            "%(counter)s overdue task",
            ("%(counter)s gawaing lampas na sa takdang petsa", "%(counter)s gawaing lampas-takdang"),
            fuzzy=False,
        ),
        Entry("case stage", "Closed", ("Sarado",), fuzzy=True),
    ]
    overdue = Term(("overdue",), None, ("lampas na sa takdang petsa",), ("lampas-takdang",))
    # The second plural form leaves out the rendering and uses the variant: two problems.
    assert len(glossary_problems(entries, [overdue])) == 2
