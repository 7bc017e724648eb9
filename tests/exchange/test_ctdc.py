"""CTDC-compatible de-identified statistics (issue 14): the 27 variables coded as the codebook,
only cases consenting to statistics, k-anonymity over the quasi-identifiers, nothing identifying."""

import csv
import datetime
import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.exchange import ctdc

from ..cases.conftest import IDENTITY
from ..conftest import client_for
from ..shared_data import shared_data

CTDC_DATA = shared_data() / "ctdc"
CODEBOOK = CTDC_DATA / "ctdc-global-synthetic-v2024-variables.tsv"
EM = "\u2014"


def codebook() -> list[tuple[str, str, str]]:
    with CODEBOOK.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    return [(name, kind, values) for _pos, name, kind, values in rows]


def allowed_codes(values: str) -> set[str]:
    """A string variable's codes as the codebook lists them ("NULL | Man | Woman")."""
    return {v.strip() for v in values.split("|")} - {"NULL"}


def qi(*values: str) -> list[str]:
    """A record: six quasi-identifiers then 21 binary variables (one set, to follow it)."""
    return [*values, "1", *[""] * 20]


# --- The codebook ---------------------------------------------------------------------------------


def test_header_is_the_codebooks_27_variables_in_order():
    assert list(ctdc.HEADER) == [name for name, _kind, _values in codebook()]
    assert len(ctdc.HEADER) == 27  # noqa: PLR2004


def test_bins_are_the_codebooks_codes_with_em_dashes():
    book = {name: values for name, _kind, values in codebook()}
    ages = allowed_codes(book["ageBroad"])
    months = allowed_codes(book["traffickMonths"])
    assert {ctdc.age_broad(a) for a in range(121)} == ages
    assert {ctdc.traffick_months(m) for m in range(100)} == months
    assert ctdc.age_broad(17) == f"9{EM}17" and ctdc.age_broad(18) == f"18{EM}20" and ctdc.age_broad(48) == "48+"
    assert ctdc.traffick_months(12) == f"0{EM}12 (0-1 yr)" and ctdc.traffick_months(13) == f"13{EM}24 (1-2 yrs)"
    assert ctdc.age_broad(None) == "" and ctdc.traffick_months(None) == ""
    assert set(ctdc.GENDER.values()) - {""} == allowed_codes(book["gender"])


# --- De-identification on hand-built records ------------------------------------------------------


def test_generalised_and_suppressed_counts_on_a_hand_built_population():
    base = ("Woman", f"18{EM}20", "THA", "MYS", f"0{EM}12 (0-1 yr)")
    records = [
        *(qi("2021", *base) for _ in range(3)),  # a class of 3: safe as it is
        *(qi("2022", *base) for _ in range(2)),  # 2 + 1 at risk, who differ only by the year:
        qi("2023", *base),  # with the year NULL they make a class of 3
        qi("2021", "Man", "48+", "PHL", "THA", "25+ (2+ yrs)"),  # alone whatever is generalised
    ]
    result = ctdc.anonymise(records, k=3)
    assert result.included == 7  # noqa: PLR2004
    assert result.suppressed == 1
    assert result.generalised == 3  # noqa: PLR2004
    assert result.generalised_by["yearOfRegistration"] == 4  # noqa: PLR2004 (the lone record too, before it went)
    assert Counter(r[:6] for r in result.rows) == {("2021", *base): 3, ("", *base): 3}
    assert all(r[6] == "1" for r in result.rows)  # the other variables are kept as they were
    assert ctdc.is_k_anonymous(result.rows, 3)


def test_a_quasi_identifier_already_null_is_not_counted_as_generalised():
    base = ("Woman", f"18{EM}20", "THA", "MYS", "")
    records = [qi("", *base), qi("", *base), qi("2024", *base)]
    result = ctdc.anonymise(records, k=3)
    assert result.generalised == 1  # only the record whose year was set to NULL
    assert result.suppressed == 0
    assert len(result.rows) == 3  # noqa: PLR2004


def test_the_quasi_identifier_that_frees_most_goes_first():
    # Nulling the citizenship frees all four; nulling the year frees none.
    records = [qi(str(2020 + i % 2), "Man", "48+", ["THA", "MMR", "KHM", "LAO"][i], "THA", "") for i in range(4)]
    records += [qi("2020", "Man", "48+", "", "THA", "") for _ in range(2)]
    records += [qi("2021", "Man", "48+", "", "THA", "") for _ in range(2)]
    result = ctdc.anonymise(records, k=4)
    assert result.generalised_by == {"citizenship": 4}
    assert result.suppressed == 0


def test_fewer_records_than_k_are_all_suppressed():
    result = ctdc.anonymise([qi("2021", "Man", "", "", "", "") for _ in range(10)], k=11)
    assert result.rows == [] and result.suppressed == 10  # noqa: PLR2004


YEARS = st.sampled_from(["", "2019", "2020", "2021"])
GENDERS = st.sampled_from(["", "Man", "Woman", "Trans/Transgender/NonConforming"])
AGES = st.sampled_from(["", f"18{EM}20", f"21{EM}23", "48+"])
COUNTRIES = st.sampled_from(["", "THA", "PHL", "MMR"])
MONTHS = st.sampled_from(["", f"0{EM}12 (0-1 yr)", "25+ (2+ yrs)"])
RECORD = st.tuples(YEARS, GENDERS, AGES, COUNTRIES, COUNTRIES, MONTHS, st.sampled_from(["", "1"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD, max_size=120), st.integers(min_value=1, max_value=12), st.randoms())
def test_every_output_combination_occurs_at_least_k_times(population, k, rnd):
    # The last variable carries a tag of the test's own, to follow each record (not a CTDC value).
    records = [[*p[:6], p[6], *[""] * 19, str(i)] for i, p in enumerate(population)]
    result = ctdc.anonymise([list(r) for r in records], k=k)
    assert ctdc.is_k_anonymous(result.rows, k)
    assert len(result.rows) + result.suppressed == len(records) == result.included
    # Each record written is one read, with some quasi-identifiers set to NULL and nothing else changed.
    by_tag = {r[-1]: r for r in records}
    changed = 0
    for row in result.rows:
        source = by_tag.pop(row[-1])
        assert list(row[6:]) == source[6:]
        assert all(a == b or b == "" for a, b in zip(source[:6], row[:6], strict=True))
        changed += list(row) != source
    assert changed == result.generalised
    # Deterministic: the order records come in changes nothing.
    shuffled = [list(r) for r in records]
    rnd.shuffle(shuffled)
    assert ctdc.anonymise(shuffled, k=k).rows == result.rows


# --- Reading the cases ----------------------------------------------------------------------------


def open_case(actor, *, statistics=True, withdrawn=False, name="Somsri", **profile):
    fields = IDENTITY | {"given_name": name} | profile
    case = case_services.case_open(actor=actor, **fields)
    if statistics:
        consent = case_services.consent_record(
            actor=actor, case=case, purpose="statistics", given_on=timezone.localdate(), language="th"
        )
        if withdrawn:
            case_services.consent_withdraw(actor=actor, consent=consent)
    return case


def exploitation(actor, case, **fields):
    values = {"type": "Exploitation", "country": "MY"} | fields
    return case_services.history_add(actor=actor, case=case, **values)


@pytest.mark.django_db
def test_a_case_is_coded_as_the_codebook_says(users):
    alice = users["alice"]
    case = open_case(alice, age_at_intake=28, citizenships=["TH", "LA"])
    case_services.history_add(actor=alice, case=case, type="Recruitment", country="TH", recruiter_relation="Familial")
    exploitation(
        alice,
        case,
        started_on=datetime.date(2023, 1, 1),
        duration_months=14,
        exploitation_types=["ForcedLabour", "SexualExploitation"],
        industry="T_ActivitiesOfHouseholdsAsEmployers",
        control_means=["DebtBondage", "WithholdsDocuments", "PsychologicalAbuse"],
    )
    exploitation(alice, case, country="SG", started_on=datetime.date(2024, 1, 1), duration_months=40)
    result = ctdc.release(k=1)
    assert result.included == 1
    row = dict(zip(ctdc.HEADER, result.rows[0], strict=True))
    assert row["yearOfRegistration"] == str(timezone.localdate().year)
    assert row["gender"] == "Woman"
    assert row["ageBroad"] == f"27{EM}29"
    assert row["citizenship"] == "THA"
    assert row["CountryOfExploitation"] == "MYS"  # the first exploitation step
    assert row["traffickMonths"] == f"13{EM}24 (1-2 yrs)"
    ones = {name for name, value in row.items() if value == "1"}
    assert ones == {
        "meansDebtBondageEarnings",
        "meansWithholdDocs",
        "meansAbusePsyPhySex",
        "isForcedLabour",
        "isSexualExploit",
        "typeOfLabourDomesticWork",
        "recruiterRelationFamily",
    }
    assert all(row[name] == "" for name in ctdc.HEADER[6:] if name not in ones)  # never 0


@pytest.mark.django_db
def test_only_cases_consenting_to_statistics_are_read(users, network):
    alice = users["alice"]
    open_case(alice, name="Yes")
    open_case(alice, name="Withdrawn", withdrawn=True)
    open_case(alice, name="None", statistics=False)
    shared = open_case(alice, name="Sharing", statistics=False)
    case_services.consent_record(
        actor=alice,
        case=shared,
        purpose="sharing",
        given_on=timezone.localdate(),
        language="th",
        recipient_agency=network.beta,
        categories=["profile"],
    )
    assert ctdc.release(k=1).included == 1


@pytest.mark.django_db
def test_reading_takes_the_same_few_queries_for_any_number_of_cases(users, django_assert_max_num_queries):
    alice = users["alice"]
    for i in range(3):
        exploitation(alice, open_case(alice, name=f"P{i}", age_at_intake=20 + i), duration_months=i)
    with django_assert_max_num_queries(2):
        rows = list(ctdc.rows_of(ctdc.case_tuples(), ctdc.event_tuples()))
    assert len(rows) == 3  # noqa: PLR2004


# --- The command and the page ---------------------------------------------------------------------


def populate(actor, n=14):
    """n consenting cases alike in their quasi-identifiers but one, who is alone."""
    for i in range(n - 1):
        exploitation(actor, open_case(actor, name=f"Person{i}", age_at_intake=25), duration_months=6)
    lone = open_case(actor, name="Lonely", gender="Masculine", age_at_intake=70, citizenships=["PH"])
    exploitation(actor, lone, country="SA", duration_months=30)
    return lone


@pytest.mark.django_db
def test_the_command_writes_the_file_and_reports_what_it_cost(users, tmp_path):
    lone = populate(users["alice"])
    out = io.StringIO()
    target = tmp_path / "ctdc.csv"
    call_command("export", "ctdc", "--output", str(target), stdout=out)
    assert "13 records of 14 consenting cases (k = 11); 0 generalised, 1 suppressed" in out.getvalue()
    text = target.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(ctdc.HEADER)
    assert len(rows) == 14 and ctdc.is_k_anonymous([tuple(r) for r in rows[1:]], 11)  # noqa: PLR2004
    assert "Lonely" not in text and lone.code not in text
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="ctdc").get()
    assert event.details["suppressed"] == 1 and event.details["k"] == 11  # noqa: PLR2004


@pytest.mark.django_db
def test_the_command_refuses_a_k_below_two(db, tmp_path):
    with pytest.raises(CommandError, match="--k 1"):
        call_command("export", "ctdc", "--output", str(tmp_path / "x.csv"), "--k", "1")


@pytest.mark.django_db
def test_no_identifying_field_leaves(users):
    alice = users["alice"]
    cases = [open_case(alice, name=f"Name{i}", age_at_intake=30) for i in range(11)]
    for case in cases:
        exploitation(alice, case, area="Johor Bahru", creditor="Mr Tan", started_on=datetime.date(2022, 3, 4))
    text = "".join(ctdc.csv_lines(ctdc.release()))
    forbidden = [IDENTITY["family_name"], IDENTITY["email"], "Mae Sai", "Johor", "Mr Tan", "2022-03-04", alice.username]
    forbidden += [c.code for c in cases] + [f"Name{i}" for i in range(11)] + [network_name(alice)]
    for value in forbidden:
        assert value not in text, value
    book = {name: values for name, _kind, values in codebook()}
    for row in list(csv.DictReader(io.StringIO(text))):
        assert set(row) == set(ctdc.HEADER)
        assert re.fullmatch(r"\d{4}|", row["yearOfRegistration"])  # a year, nothing finer
        for name in ("gender", "ageBroad"):
            assert row[name] in allowed_codes(book[name]) | {""}
        for name in ctdc.HEADER[6:]:
            assert row[name] in {"", "1"}


def network_name(user) -> str:
    return user.agency.name


@pytest.mark.django_db
def test_analysts_and_coordinators_download_it_audited(users):
    populate(users["alice"], n=12)
    for who in ("ana", "cora"):
        response = client_for(users[who]).get("/insights/ctdc.csv")
        assert response.status_code == 200  # noqa: PLR2004
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0] == list(ctdc.HEADER) and len(rows) == 12  # noqa: PLR2004
        assert response["X-Suppressed"] == "1"
    actors = set(
        AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="ctdc").values_list(
            "actor_username", flat=True
        )
    )
    assert actors == {"ana", "cora"}


@pytest.mark.django_db
def test_a_supervisor_or_a_caseworker_is_refused_and_nothing_is_logged(users):
    for who in ("sam", "alice"):
        assert client_for(users[who]).get("/insights/ctdc.csv").status_code == 403  # noqa: PLR2004
    assert not AuditEvent.objects.filter(object_type="ctdc").exists()


@pytest.mark.django_db
def test_a_k_below_ctdcs_own_is_refused_on_the_page(users):
    for bad in ("5", "x", "-11", "1001"):
        response = client_for(users["ana"]).get(f"/insights/ctdc.csv?k={bad}")
        assert response.status_code == 400, bad  # noqa: PLR2004
        assert "k:" in response.content.decode()
    assert client_for(users["ana"]).get("/insights/ctdc.csv?k=20").status_code == 200  # noqa: PLR2004


@pytest.mark.django_db
def test_the_insights_index_links_the_file_for_the_whole_network_only(users):
    assert b"/insights/ctdc/" in client_for(users["ana"]).get("/insights/").content
    assert b"/insights/ctdc/" not in client_for(users["sam"]).get("/insights/").content
