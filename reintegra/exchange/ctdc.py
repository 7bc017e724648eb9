"""CTDC-compatible de-identified statistics (issue 14): the cases whose returnee consented to
statistics, as the 27 variables of the CTDC global synthetic schema (codebook v2, February 2024;
../shared/data/ctdc/), made k-anonymous over the quasi-identifiers.

The mapping, variable by variable (NULL is written as an empty cell, binary variables are empty or
1, never 0):

- yearOfRegistration: the year the case was opened (`Case.opened_at`, in the site's time zone).
- gender: Feminine → Woman, Masculine → Man, transgender (either) and non-conforming →
  Trans/Transgender/NonConforming, not specified → NULL.
- ageBroad: `Returnee.age_at_intake` in the codebook's bins (0—8 … 48+, em dashes); unknown → NULL.
- citizenship: the returnee's first citizenship as ISO 3166-1 alpha-3.
- CountryOfExploitation, traffickMonths: the case's first exploitation step (`HistoryEvent` of type
  Exploitation, by start date, undated last): its country as alpha-3 and its `duration_months` in
  the bins 0—12 (0-1 yr), 13—24 (1-2 yrs), 25+ (2+ yrs).
- means*, is*, typeOf*, recruiterRelation*: from every step of the case's history (a value on any
  step sets the variable), see MEANS, EXPLOITATION, INDUSTRY and RECRUITER below. Our vocabularies
  record no type of sexual exploitation and do not tell a friend or an intimate partner from another
  acquaintance: typeOfSexProstitution, typeOfSexPornography, recruiterRelationIntimatePartner and
  recruiterRelationFriend are always NULL (not known), never guessed.

No other field leaves: no name, code, identifier, place below the country, or date finer than the year.

De-identification (`anonymise`): every combination of the six quasi-identifiers (the first six
variables) that appears in the output appears at least k times (k = 11 by default, as CTDC's own
k-anonymous releases). Coarser codes than the codebook's do not exist (the output must stay
CTDC-coded), so a quasi-identifier is generalised by setting it to NULL, record by record (local
recoding), greedily:

1. The records whose combination occurs fewer than k times are "at risk"; the others stay as they are.
2. For each quasi-identifier not yet generalised, count how many at-risk records would reach a class
   of at least k records (with the records already safe) if it were set to NULL in every at-risk
   record; generalise the one that frees most (on a tie, the first in GENERALISATION_ORDER; if none
   frees any, the one that merges the at-risk records into the fewest classes). The records so freed
   are safe; the others stay at risk, with that quasi-identifier NULL.
3. Repeat until no record is at risk or all six are NULL; the records still at risk are suppressed.

Deterministic (no randomness, ties broken by a fixed order) and O(n log n): six rounds at most, each
a few passes with dictionaries over the classes at risk, then one sort of the output (rows are
written sorted, so their order says nothing of when a case was registered).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import ExtractYear

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import (
    ConsentPurpose,
    ControlMeans,
    Exploitation,
    Gender,
    HistoryType,
    Industry,
    RecruiterRelation,
)
from reintegra.cases.models import Case, Consent, HistoryEvent

DEFAULT_K = 11
CHUNK = 5000

HEADER: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
)
COLUMN = {name: i for i, name in enumerate(HEADER)}
# The quasi-identifiers are the first six variables.
QUASI_IDENTIFIERS: tuple[str, ...] = HEADER[:6]
QI_COUNT = len(QUASI_IDENTIFIERS)
# On a tie, the quasi-identifier generalised first: the most precise first (a year and a
# citizenship single people out sooner than a gender), so the coarse ones survive longer.
GENERALISATION_ORDER: tuple[int, ...] = tuple(
    COLUMN[name]
    for name in (
        "yearOfRegistration",
        "citizenship",
        "CountryOfExploitation",
        "ageBroad",
        "traffickMonths",
        "gender",
    )
)
NULL = ""
YES = "1"

GENDER: dict[str, str] = {
    Gender.FEMININE: "Woman",
    Gender.MASCULINE: "Man",
    Gender.TRANSGENDER_FEMININE: "Trans/Transgender/NonConforming",
    Gender.TRANSGENDER_MASCULINE: "Trans/Transgender/NonConforming",
    Gender.NON_CONFORMING: "Trans/Transgender/NonConforming",
    Gender.UNKNOWN: NULL,
}
# (lowest age, code), highest first; em dashes (U+2014) as in the codebook.
AGE_BINS: tuple[tuple[int, str], ...] = (
    (48, "48+"),
    (39, "39\u201447"),
    (30, "30\u201438"),
    (27, "27\u201429"),
    (24, "24\u201426"),
    (21, "21\u201423"),
    (18, "18\u201420"),
    (9, "9\u201417"),
    (0, "0\u20148"),
)
MONTH_BINS: tuple[tuple[int, str], ...] = (
    (25, "25+ (2+ yrs)"),
    (13, "13\u201424 (1-2 yrs)"),
    (0, "0\u201412 (0-1 yr)"),
)
# Means of control (HTCDS vic_MethodsOfControl) → the codebook's groups. "Other" maps to none.
MEANS: dict[str, str] = {
    ControlMeans.DEBT_BONDAGE: "meansDebtBondageEarnings",
    ControlMeans.TAKES_EARNINGS: "meansDebtBondageEarnings",
    ControlMeans.PHYSICAL_THREATS: "meansThreats",
    ControlMeans.THREATS_LAW: "meansThreats",
    ControlMeans.THREATENS_FAMILY: "meansThreats",
    ControlMeans.PHYSICAL_ABUSE: "meansAbusePsyPhySex",
    ControlMeans.SEXUAL_ABUSE: "meansAbusePsyPhySex",
    ControlMeans.PSYCHOLOGICAL_ABUSE: "meansAbusePsyPhySex",
    ControlMeans.FALSE_PROMISES: "meansFalsePromises",
    ControlMeans.SUBSTANCES: "meansDrugsAlcohol",
    ControlMeans.RESTRICTS_FINANCES: "meansDenyBasicNeeds",
    ControlMeans.RESTRICTS_MEDICAL: "meansDenyBasicNeeds",
    ControlMeans.WITHHOLDS_NECESSITIES: "meansDenyBasicNeeds",
    ControlMeans.EXCESSIVE_HOURS: "meansExcessiveWorkHours",
    ControlMeans.WITHHOLDS_DOCUMENTS: "meansWithholdDocs",
}
# Forms of exploitation (HTCDS vic_TypeOfExploitation) → isForcedLabour / isSexualExploit /
# isOtherExploit. Child labour, servitude, forced begging and forced criminality are forced labour
# (earlier CTDC codebooks list begging and illicit activities as types of labour); the codebook
# names forced marriage, forced military service and organ removal as "other", and adoption and
# surrogacy are neither labour nor sexual exploitation.
EXPLOITATION: dict[str, str] = {
    Exploitation.FORCED_LABOUR: "isForcedLabour",
    Exploitation.CHILD_LABOUR: "isForcedLabour",
    Exploitation.SERVITUDE: "isForcedLabour",
    Exploitation.FORCED_BEGGING: "isForcedLabour",
    Exploitation.FORCED_CRIMINALITY: "isForcedLabour",
    Exploitation.SEXUAL: "isSexualExploit",
    Exploitation.FORCED_MARRIAGE: "isOtherExploit",
    Exploitation.FORCED_MILITARY: "isOtherExploit",
    Exploitation.ORGAN_REMOVAL: "isOtherExploit",
    Exploitation.FORCED_ADOPTION: "isOtherExploit",
    Exploitation.SURROGACY: "isOtherExploit",
    Exploitation.OTHER: "isOtherExploit",
}
# Industry (ISIC Rev.4 section) → the codebook's types of labour: agriculture, forestry and fishing
# (A), construction (F), households as employers, i.e. domestic work (T), accommodation and food
# service, i.e. hospitality (I). Other sections have no CTDC variable.
INDUSTRY: dict[str, str] = {
    Industry.A: "typeOfLabourAgriculture",
    Industry.F: "typeOfLabourConstruction",
    Industry.T: "typeOfLabourDomesticWork",
    Industry.I: "typeOfLabourHospitality",
}
# Relation to the recruiter (HTCDS vic_RelationshipToTrafficker): family is family; an acquaintance
# or a stranger is "other" (we cannot tell a friend or a partner among acquaintances).
RECRUITER: dict[str, str] = {
    RecruiterRelation.FAMILIAL: "recruiterRelationFamily",
    RecruiterRelation.ACQUAINTED: "recruiterRelationOther",
    RecruiterRelation.UNACQUAINTED: "recruiterRelationOther",
}
ALPHA_3: dict[str, str] = {c.alpha_2: c.alpha_3 for c in pycountry.countries}

# The bins as look-up tables (a million cases are read one by one).
_AGE_CODE = tuple(next(code for low, code in AGE_BINS if age >= low) for age in range(AGE_BINS[0][0] + 1))
_MONTH_CODE = tuple(next(code for low, code in MONTH_BINS if m >= low) for m in range(MONTH_BINS[0][0] + 1))
_MEANS_COL = {k: COLUMN[v] for k, v in MEANS.items()}
_EXPLOITATION_COL = {k: COLUMN[v] for k, v in EXPLOITATION.items()}
_INDUSTRY_COL = {k: COLUMN[v] for k, v in INDUSTRY.items()}
_RECRUITER_COL = {k: COLUMN[v] for k, v in RECRUITER.items()}


def age_broad(age: int | None) -> str:
    if age is None:
        return NULL
    if age < len(_AGE_CODE):
        return _AGE_CODE[age]
    return AGE_BINS[0][1]


def traffick_months(months: int | None) -> str:
    if months is None:
        return NULL
    return _MONTH_CODE[min(months, MONTH_BINS[0][0])]


def alpha_3(code: str | None) -> str:
    return ALPHA_3.get((code or "").upper(), NULL)


# --- Reading the cases ----------------------------------------------------------------------------

# What a case gives (its id first, for the merge with its history) and what a history step gives.
CaseTuple = tuple[int, int | None, str, int | None, Any]
EventTuple = tuple[int, str, str, str, Any, str, Any, int | None]


def consenting_cases() -> QuerySet[Case]:
    """The cases with a consent to statistics that is not withdrawn."""
    consent = Consent.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.STATISTICS, withdrawn_at__isnull=True)
    return Case.objects.filter(Exists(consent))


def case_tuples() -> Iterator[CaseTuple]:
    return (
        consenting_cases()
        .annotate(year=ExtractYear("opened_at"))
        .order_by("pk")
        .values_list("pk", "year", "returnee__gender", "returnee__age_at_intake", "returnee__citizenships")
        .iterator(chunk_size=CHUNK)
    )


def event_tuples() -> Iterator[EventTuple]:
    return (
        HistoryEvent.objects.filter(case__in=consenting_cases().values("pk"))
        .order_by("case_id", F("started_on").asc(nulls_last=True), "pk")
        .values_list(
            "case_id",
            "type",
            "country",
            "recruiter_relation",
            "exploitation_types",
            "industry",
            "control_means",
            "duration_months",
        )
        .iterator(chunk_size=CHUNK)
    )


def ctdc_row(case: CaseTuple, events: Iterable[EventTuple]) -> list[str]:
    """One case (and its history steps, in order) as the 27 CTDC variables."""
    _pk, year, gender, age, citizenships = case
    row = [NULL] * len(HEADER)
    row[0] = str(year) if year else NULL
    row[1] = GENDER.get(gender, NULL)
    row[2] = age_broad(age)
    row[3] = alpha_3(citizenships[0]) if citizenships else NULL
    exploitation_seen = False
    for _case_id, kind, country, relation, types, industry, means, months in events:
        if kind == HistoryType.EXPLOITATION and not exploitation_seen:
            exploitation_seen = True
            row[4] = alpha_3(country)
            row[5] = traffick_months(months)
        for value in means or ():
            if (col := _MEANS_COL.get(value)) is not None:
                row[col] = YES
        for value in types or ():
            if (col := _EXPLOITATION_COL.get(value)) is not None:
                row[col] = YES
        if (col := _INDUSTRY_COL.get(industry)) is not None:
            row[col] = YES
        if (col := _RECRUITER_COL.get(relation)) is not None:
            row[col] = YES
    return row


def rows_of(cases: Iterable[CaseTuple], events: Iterable[EventTuple]) -> Iterator[list[str]]:
    """Merge the cases and their history steps (both ordered by case id) into CTDC rows."""
    pending = iter(events)
    event = next(pending, None)
    for case in cases:
        pk = case[0]
        # A step of a case the first query did not read (a consent changed between the two): skipped.
        while event is not None and event[0] < pk:
            event = next(pending, None)
        mine = []
        while event is not None and event[0] == pk:
            mine.append(event)
            event = next(pending, None)
        yield ctdc_row(case, mine)


# --- De-identification ----------------------------------------------------------------------------


Key = tuple[str, ...]  # a record's quasi-identifiers


@dataclass
class Release:
    """A k-anonymous CTDC file's rows, and what it cost."""

    k: int
    rows: list[tuple[str, ...]] = field(default_factory=list)
    included: int = 0  # consenting cases read
    generalised: int = 0  # records written with at least one quasi-identifier set to NULL
    suppressed: int = 0  # records left out
    generalised_by: dict[str, int] = field(default_factory=dict)  # quasi-identifier → records


def anonymise(rows: Iterable[list[str]], k: int = DEFAULT_K) -> Release:
    """The rows made k-anonymous over the quasi-identifiers (the module's docstring says how).
    Works on classes (records sharing their quasi-identifiers), not record by record."""
    if k < 1:
        raise ValueError("k must be at least 1")
    records = [r if isinstance(r, list) else list(r) for r in rows]
    release = Release(k=k, included=len(records))
    classes: dict[Key, list[list[str]]] = defaultdict(list)
    for r in records:
        classes[tuple(r[:QI_COUNT])].append(r)
    safe: dict[Key, int] = {key: len(rs) for key, rs in classes.items() if len(rs) >= k}
    at_risk: dict[Key, list[list[str]]] = {key: rs for key, rs in classes.items() if len(rs) < k}
    released: list[tuple[Key, list[list[str]]]] = []  # generalised classes now safe, with their new key
    remaining = list(GENERALISATION_ORDER)
    while at_risk and remaining:
        best: tuple[int, int, int] | None = None  # (freed, -classes, -position): the largest wins
        chosen = remaining[0]
        for position, qi in enumerate(remaining):
            merged: Counter[Key] = Counter()
            for key, rs in at_risk.items():
                merged[_nulled(key, qi)] += len(rs)
            freed = sum(n for key, n in merged.items() if n + safe.get(key, 0) >= k)
            score = (freed, -len(merged), -position)
            if best is None or score > best:
                best, chosen = score, qi
        remaining.remove(chosen)
        changed = sum(len(rs) for key, rs in at_risk.items() if key[chosen] != NULL)
        if changed:
            release.generalised_by[HEADER[chosen]] = changed
        regrouped: dict[Key, list[list[str]]] = defaultdict(list)
        for key, rs in at_risk.items():
            regrouped[_nulled(key, chosen)].extend(rs)
        at_risk = {}
        for key, rs in regrouped.items():
            if len(rs) + safe.get(key, 0) >= k:
                safe[key] = safe.get(key, 0) + len(rs)
                released.append((key, rs))
            else:
                at_risk[key] = rs
    for key, rs in released:
        for r in rs:
            if tuple(r[:QI_COUNT]) != key:
                release.generalised += 1
                r[:QI_COUNT] = key
    suppressed = {id(r) for rs in at_risk.values() for r in rs}
    release.suppressed = len(suppressed)
    release.rows = sorted(tuple(r) for r in records if id(r) not in suppressed)
    return release


def _nulled(key: Key, qi: int) -> Key:
    return (*key[:qi], NULL, *key[qi + 1 :])


def is_k_anonymous(rows: Iterable[tuple[str, ...]], k: int) -> bool:
    return all(n >= k for n in Counter(tuple(r[:QI_COUNT]) for r in rows).values())


# --- The file -------------------------------------------------------------------------------------


def release(k: int = DEFAULT_K, *, progress: Callable[[int], None] | None = None) -> Release:
    """The k-anonymous CTDC rows of every consenting case (two queries, read in chunks); `progress`
    is told how many cases were read, at every chunk (the background job's page shows it)."""
    cases: Iterable[CaseTuple] = case_tuples()
    if progress is not None:
        cases = _counted(cases, progress)
    return anonymise(rows_of(cases, event_tuples()), k)


def _counted(cases: Iterable[CaseTuple], progress: Callable[[int], None]) -> Iterator[CaseTuple]:
    done = 0
    for case in cases:
        yield case
        done += 1
        if done % CHUNK == 0:
            progress(done)
    progress(done)


def csv_lines(result: Release) -> Iterator[str]:
    """The file, line by line: the header, then the rows (plain codes: nothing a spreadsheet runs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    yield buffer.getvalue()
    for start in range(0, len(result.rows), CHUNK):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(result.rows[start : start + CHUNK])
        yield buffer.getvalue()


def summary(result: Release) -> dict[str, Any]:
    """What the audit log and the command report of a release."""
    return {
        "export": "ctdc",
        "k": result.k,
        "cases": result.included,
        "records": len(result.rows),
        "generalised": result.generalised,
        "suppressed": result.suppressed,
        "generalised_by": result.generalised_by,
    }


def export(
    *,
    k: int = DEFAULT_K,
    actor: User | None,
    progress: Callable[[int], None] | None = None,
    details: dict[str, Any] | None = None,
) -> Release:
    """The release, logged in the audit log as an export (who, k, and what it cost; no case named).
    `actor` is None on the command line; `details` adds to the log (the background job's number)."""
    result = release(k, progress=progress)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        object_type="ctdc",
        categories=["profile", "history"],
        details=summary(result) | (details or {}),
    )
    return result
