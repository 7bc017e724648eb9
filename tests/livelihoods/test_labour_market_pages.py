"""The labour-market import page and the figure pages (programme audit, success prediction): who may
use them, what a good and a bad file do, and what each allowed role is shown."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reintegra.livelihoods.models import LabourMarketDemand

from ..conftest import client_for
from ..html import summary
from .test_labour_market import GOOD, HEADER

NOT_COORDINATORS = ("alice", "sam", "bob", "bella", "pat", "ana", "charlie")
AUDIT_READERS = ("sam", "bella", "ana", "cora")  # supervisors, M&E analysts, network coordinators
NOT_AUDIT_READERS = ("alice", "bob", "pat", "charlie")


def flashes(response) -> list[tuple[str, str]]:
    """The messages shown on the page the redirect led to, as (level, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def refusals(response) -> list[str]:
    """A refused file: the page is shown again (400), the file's problems listed as errors of its field."""
    assert response.status_code == 400 and not response.redirect_chain
    prefix = "CSV file: "
    texts = summary(response.content)
    assert all(t.startswith(prefix) for t in texts), texts
    return [t.removeprefix(prefix) for t in texts]


def upload(text: str | bytes, name: str = "labour-market.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def import_file(user, file=None, **extra):
    data = {"file": file} if file is not None else {}
    return client_for(user).post(reverse("livelihoods:labour_market_import"), data, follow=True, **extra)


# --- the import page -------------------------------------------------------------------------------


def test_a_coordinator_imports_a_good_file_and_sees_the_figures(users, network):
    response = import_file(users["cora"], upload(GOOD))
    assert response.redirect_chain == [(reverse("livelihoods:labour_market"), 302)]
    assert LabourMarketDemand.objects.count() == 3
    figure = LabourMarketDemand.objects.get(area="TH-57", isco="72")
    assert figure.vacancies == 120 and figure.source == "Chiang Rai Employment Office"
    assert flashes(response) == [("success", "Imported: 3 new figures, 0 updated.")]
    assert "DOLE Region VII labour market information" in response.content.decode()


def test_importing_the_same_file_again_updates_and_says_so(users, network):
    import_file(users["cora"], upload(GOOD))
    response = import_file(users["cora"], upload(GOOD.replace("TH-57,72,120,", "TH-57,72,150,", 1)))
    assert flashes(response) == [("success", "Imported: 0 new figures, 3 updated.")]
    assert LabourMarketDemand.objects.count() == 3
    assert LabourMarketDemand.objects.get(area="TH-57", isco="72").vacancies == 150


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(users, network):
    bad = GOOD + "TH-57,72,-4,,12000,,Office,2026-06-30\nTH-57,72,1,,,,Office,not-a-date\n"
    response = import_file(users["cora"], upload(bad))
    assert not LabourMarketDemand.objects.exists()  # not even the three good rows
    texts = refusals(response)
    assert texts[0] == "The file was refused; nothing was saved."
    assert any(t.startswith("Row 5, column “vacancies”:") for t in texts)
    assert any(t.startswith("Row 5, column “currency”:") for t in texts)
    assert "Row 6, column “as_of”: “not-a-date” is not a date (YYYY-MM-DD)." in texts
    assert not any(t.startswith(("Row 2,", "Row 3,", "Row 4,")) for t in texts)  # the good rows are not blamed


def test_a_file_missing_columns_names_them_and_imports_nothing(users, network):
    response = import_file(users["cora"], upload("area,isco\nTH-57,72\n"))
    texts = refusals(response)
    assert texts[0] == "The file was refused; nothing was saved."
    assert any("vacancies" in t for t in texts[1:])
    assert not LabourMarketDemand.objects.exists()


def test_no_file_or_a_file_not_in_utf8_is_refused_with_a_plain_message(users, network):
    response = import_file(users["cora"])
    assert refusals(response) == ["Choose a CSV file."]
    latin1 = (HEADER + "TH-57,72,120,,12000,THB,Oficina de Empleo Señor,2026-06-30\n").encode("latin-1")
    response = import_file(users["cora"], upload(latin1))
    assert refusals(response) == ["The file is not UTF-8 text; save it as “CSV UTF-8”."]
    assert not LabourMarketDemand.objects.exists()


def test_a_file_over_five_megabytes_is_refused_unread(users, network):
    big = GOOD + "TH-57,51,340,64.5,9800,THB,Chiang Rai Employment Office,2026-06-30\n" * 80_000
    assert len(big.encode()) > 5 * 1024 * 1024
    response = import_file(users["cora"], upload(big))
    assert refusals(response) == ["The file is too large (over 5 MB); split it."]
    assert not LabourMarketDemand.objects.exists()


def test_only_a_network_coordinator_may_import_and_a_refused_import_saves_nothing(users, network):
    for persona in NOT_COORDINATORS:
        response = client_for(users[persona]).post(reverse("livelihoods:labour_market_import"), {"file": upload(GOOD)})
        assert response.status_code == 403, persona
    anonymous = client_for(None).post(reverse("livelihoods:labour_market_import"), {"file": upload(GOOD)})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert not LabourMarketDemand.objects.exists()


def test_the_import_form_is_offered_only_to_a_coordinator(users, network):
    action = f'action="{reverse("livelihoods:labour_market_import")}"'
    assert action in client_for(users["cora"]).get(reverse("livelihoods:labour_market")).content.decode()
    for persona in ("alice", "sam", "ana"):
        assert action not in client_for(users[persona]).get(reverse("livelihoods:labour_market")).content.decode()


# --- the programme audit ---------------------------------------------------------------------------


def test_every_audit_reader_sees_the_long_unpaid_course_and_the_local_demand(users, network, catalogue):
    for persona in AUDIT_READERS:
        response = client_for(users[persona]).get(reverse("livelihoods:audit"))
        assert response.status_code == 200, persona
        assert [option.title for option in response.context["long_unpaid"]] == ["Sewing course"]
        body = response.content.decode()
        # The apprenticeship's 15 seats are all the seats given, in ISCO 74, 120 vacancies in TH-57: high demand.
        block = body.split('id="indicator-seats_high_demand"')[1].split("</li>")[0]
        assert "100\u00a0%" in block and "Within the threshold" in block


def test_the_audit_is_refused_to_caseworkers_providers_and_outsiders(users, network, catalogue):
    for persona in NOT_AUDIT_READERS:
        assert client_for(users[persona]).get(reverse("livelihoods:audit")).status_code == 403, persona
    anonymous = client_for(None).get(reverse("livelihoods:audit"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


# --- success prediction ----------------------------------------------------------------------------


def test_every_audit_reader_sees_the_prior_in_use_and_when_a_model_takes_over(users, network, catalogue, settings):
    settings.PREDICTION_MIN_OUTCOMES = 37
    for persona in AUDIT_READERS:
        response = client_for(users[persona]).get(reverse("livelihoods:prediction"))
        assert response.status_code == 200, persona
        body = response.content.decode()
        assert "The documented prior: 0 outcomes are recorded, and a trained model takes over from 37" in body
        assert "No outcomes recorded yet." in body


def test_the_prediction_page_is_refused_to_caseworkers_providers_and_outsiders(users, network):
    for persona in NOT_AUDIT_READERS:
        assert client_for(users[persona]).get(reverse("livelihoods:prediction")).status_code == 403, persona
    anonymous = client_for(None).get(reverse("livelihoods:prediction"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
