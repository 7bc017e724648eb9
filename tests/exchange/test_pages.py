"""The HTCDS import and export pages (issue 14): upload, a preview that writes nothing, the import
confirmed by whoever uploaded the file, large files as background work, and the export download."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from reintegra.accounts.models import AuditEvent, Role
from reintegra.cases.models import Case, Returnee
from reintegra.exchange import htcds, preview
from reintegra.exchange.models import STALE_AFTER, ImportJob
from reintegra.lib import clock

from ..conftest import client_for, make_user
from .conftest import MARIA, SOMSRI, csv_bytes, fill_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, name: str, data: bytes):
    return client.post("/exchange/import/", {"file": SimpleUploadedFile(name, data)})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def run_worker() -> None:
    """The background worker, once through the queue (its batch mode stops when the queue is empty)."""
    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def sam(users):
    return client_for(users["sam"])


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "ana", "cora", "pat", "charlie"])
def test_only_supervisors_open_the_import_and_export_pages(users, who):
    client = client_for(users[who])
    for url in ("/exchange/import/", "/exchange/export/"):
        assert client.get(url).status_code == 403
    assert upload(client, "cases.csv", csv_bytes([MARIA])).status_code == 403
    assert client.post("/exchange/export/", {"format": "csv"}).status_code == 403
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_supervisor_finds_the_pages_from_home_and_the_menu(users, sam):
    page = sam.get("/").content.decode()
    assert 'href="/exchange/import/"' in page and 'href="/exchange/export/"' in page
    assert 'href="/exchange/import/"' not in client_for(users["alice"]).get("/").content.decode()


def test_another_agencys_job_is_not_found(users, sam):
    job = job_of(upload(sam, "cases.csv", csv_bytes([SOMSRI, MARIA])))
    bella = client_for(users["bella"])
    base = f"/exchange/import/jobs/{job.pk}/"
    assert bella.get(base).status_code == 404
    assert bella.get(base + "progress/").status_code == 404
    assert bella.post(base + "confirm/").status_code == 404
    assert bella.post(base + "discard/").status_code == 404
    assert job.file_name not in bella.get("/exchange/import/").content.decode()
    assert not Case.objects.exists()
    job.refresh_from_db()
    assert job.has_file and job.discarded_at is None


# --- Preview and confirm -------------------------------------------------------------------------


def test_a_preview_lists_every_problem_by_row_and_column_and_writes_nothing(network, users, sam):
    bad = [SOMSRI | {"prs_Birthdate": "1994-02-31"}, MARIA | {"prs_Gender": "Robot", "prs_Citizenship": "XXX"}]
    cases_before, audit_before = Case.objects.count(), AuditEvent.objects.count()

    job = job_of(upload(sam, "bad.csv", csv_bytes(bad)))

    assert job.status == ImportJob.Status.DONE and job.stage == ImportJob.Stage.PREVIEW
    assert Case.objects.count() == cases_before and not Returnee.objects.exists()
    # The job and its upload's record only; and the file is deleted: a file with problems is never confirmed.
    assert AuditEvent.objects.count() == audit_before + 1
    assert not job.has_file and not job.can_confirm
    problems = {(p["row"], p["column"], p["value"]) for p in job.preview["problems"]}
    assert {(2, "prs_Birthdate", "1994-02-31"), (3, "prs_Gender", "Robot"), (3, "prs_Citizenship", "XXX")} <= problems
    page = sam.get(f"/exchange/import/jobs/{job.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for row, column, value in problems:
        assert f'data-label="Row">{row}</td>' in text and f"<code>{column}</code>" in text and value in text
    assert "/confirm/" not in text
    # Confirming it anyway is refused and writes nothing.
    sam.post(f"/exchange/import/jobs/{job.pk}/confirm/")
    assert Case.objects.count() == cases_before
    # Reading the problems (they quote the file) is audited.
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="exchange.importjob", object_id=str(job.pk)
    ).exists()


def test_a_long_list_of_problems_is_shown_a_page_at_a_time(network, users, sam):
    rows = [MARIA | {"prs_Birthdate": f"not a date {n}"} for n in range(130)]
    job = job_of(upload(sam, "many.csv", csv_bytes(rows)))
    assert job.preview["problem_count"] >= 130
    first = sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()
    second = sam.get(f"/exchange/import/jobs/{job.pk}/?page=2").content.decode()
    assert "not a date 0<" in first and "not a date 129<" not in first
    assert "not a date 129<" in second and "Page 2 of 2" in second


def test_a_valid_file_is_previewed_then_imported_when_its_uploader_confirms(network, users, sam, tmp_path):
    path = fill_template(tmp_path, [SOMSRI, MARIA])

    job = job_of(upload(sam, path.name, path.read_bytes()))

    assert not Case.objects.exists()  # the preview writes nothing
    assert job.can_confirm and job.has_file and not job.background
    assert job.preview["created"] == {"cases": 2, "returnees": 2, "consents": 1, "history_events": 2}
    # The first rows it would create, with no more of the person than initials and a birth year.
    assert [(r["row"], r["initials"], r["birth_year"]) for r in job.preview["sample"]] == [
        (3, "S. K.", "1994"),
        (4, "M. S.", ""),
    ]
    text = sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()
    assert "S. K." in text and "Somsri" not in text and "Kaewmanee" not in text
    assert f"/exchange/import/jobs/{job.pk}/confirm/" in text

    response = sam.post(f"/exchange/import/jobs/{job.pk}/confirm/")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.imported and job.result["created"]["cases"] == 2
    assert Case.objects.filter(agency=network.alpha).count() == 2
    assert not job.has_file and "sample" not in job.preview  # nothing of the file is kept once imported
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, details__import="htcds", actor=users["sam"])
    text = sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()
    assert "Imported" in text and "/confirm/" not in text and "/discard/" not in text
    # Confirming twice imports nothing more.
    sam.post(f"/exchange/import/jobs/{job.pk}/confirm/")
    assert Case.objects.count() == 2


def test_only_the_person_who_uploaded_the_file_confirms_it(network, users, sam):
    sue = client_for(make_user("sue", network.alpha, Role.SUPERVISOR))
    job = job_of(upload(sam, "cases.csv", csv_bytes([SOMSRI, MARIA])))

    page = sue.get(f"/exchange/import/jobs/{job.pk}/").content.decode()
    response = sue.post(f"/exchange/import/jobs/{job.pk}/confirm/", follow=True)

    assert "/confirm/" not in page
    assert "Only the person who uploaded the file may confirm its import." in response.content.decode()
    assert not Case.objects.exists()
    job.refresh_from_db()
    assert job.can_confirm


def test_a_file_already_imported_previews_nothing_to_create(network, users, sam, tmp_path):
    path = fill_template(tmp_path, [SOMSRI, MARIA])
    htcds.import_file(path.read_bytes(), filename=path.name, agency=network.alpha, actor=users["sam"])

    job = job_of(upload(sam, path.name, path.read_bytes()))

    assert job.preview["unchanged"] == 2 and job.preview["created"]["cases"] == 0
    assert not job.can_confirm and not job.has_file


def test_the_preview_finds_the_rows_an_import_would_create_by_the_same_keys(network, users, tmp_path):
    """The preview's rows are those the import creates: a row's fingerprint is the import's key."""
    first = fill_template(tmp_path, [SOMSRI, MARIA], name="first.xlsx")
    assert len(preview.sample_rows(first.read_bytes(), first.name, agency=network.alpha)) == 2
    htcds.import_file(first.read_bytes(), filename=first.name, agency=network.alpha, actor=None)
    assert preview.sample_rows(first.read_bytes(), first.name, agency=network.alpha) == []
    # One more row in the same file: it alone would be created.
    more = fill_template(tmp_path, [SOMSRI, MARIA, MARIA | {"prs_FirstName": "Ligaya"}], name="more.xlsx")
    assert [r["initials"] for r in preview.sample_rows(more.read_bytes(), more.name, agency=network.alpha)] == ["L. S."]
    # Another agency has none of them.
    assert len(preview.sample_rows(first.read_bytes(), first.name, agency=network.beta)) == 2


def test_discarding_deletes_the_file_and_the_problems(network, users, sam):
    job = job_of(upload(sam, "cases.csv", csv_bytes([SOMSRI, MARIA])))
    assert job.has_file

    response = sam.post(f"/exchange/import/jobs/{job.pk}/discard/")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.discarded_at and not job.has_file and "sample" not in job.preview and not job.can_confirm
    assert job.preview["created"]["cases"] == 2  # the counts stay, as a record
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_type="exchange.importjob").exists()
    sam.post(f"/exchange/import/jobs/{job.pk}/confirm/")
    assert not Case.objects.exists()


def test_the_import_page_lists_the_agencys_recent_imports(network, users, sam):
    job_of(upload(sam, "first-batch.csv", csv_bytes([SOMSRI])))
    job_of(upload(client_for(users["bella"]), "beta.csv", csv_bytes([MARIA])))
    text = sam.get("/exchange/import/").content.decode()
    assert "first-batch.csv" in text and "beta.csv" not in text


# --- Bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cases.txt", b"prs_FirstName\nSomsri\n", "is not an .xlsx or a .csv file"),
        ("cases.xlsx", b"this is no workbook", "is not an Excel workbook"),
        ("cases.csv", "prs_FirstName\nSomsri\n".encode("utf-16"), "not UTF-8"),
        ("cases.csv", b"", "The submitted file is empty."),
        ("cases.csv", b"prs_FirstName,prs_SecondName\n", "no rows of cases"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_saved(network, users, sam, name, data, message):
    audit_before = AuditEvent.objects.count()
    response = upload(sam, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists() and not Case.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_file_over_the_size_limit_is_refused(network, users, sam, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 100
    response = upload(sam, "cases.csv", csv_bytes([SOMSRI, MARIA]))
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- Large files: background work ----------------------------------------------------------------


def test_a_large_file_is_previewed_and_imported_in_the_background(
    transactional_db, network, users, sam, settings, tmp_path
):
    # transactional_db: the worker closes a connection it finds inside a transaction (PostgreSQL).
    settings.EXCHANGE_IMPORT_BACKGROUND_ROWS = 1  # two rows are "large"
    path = fill_template(tmp_path, [SOMSRI, MARIA])

    job = job_of(upload(sam, path.name, path.read_bytes()))

    assert job.background and job.status == ImportJob.Status.QUEUED
    assert DBTaskResult.objects.filter(id=job.task_id, task_path="reintegra.exchange.tasks.import_job_run").exists()
    page = sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()
    assert "data-job-progress=" in page and "Reload this page" in page
    assert sam.get(f"/exchange/import/jobs/{job.pk}/progress/").json() == {
        "stage": "preview",
        "status": "queued",
        "done": 0,
        "total": 2,
        "percent": 0,
        "finished": False,
    }

    run_worker()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.can_confirm and not Case.objects.exists()
    assert sam.get(f"/exchange/import/jobs/{job.pk}/progress/").json()["finished"] is True
    assert "S. K." in sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()

    sam.post(f"/exchange/import/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.stage == ImportJob.Stage.IMPORT
    assert not Case.objects.exists()  # waiting for the worker

    run_worker()

    job.refresh_from_db()
    assert job.imported and job.result["created"]["cases"] == 2 and not job.has_file
    assert job.rows_done == job.rows_total and job.percent == 100
    assert Case.objects.filter(agency=network.alpha).count() == 2
    assert "Imported" in sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()


def test_a_job_that_fails_says_so_and_keeps_no_file(network, users, sam, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(htcds, "import_file", broken)
    job = job_of(upload(sam, "cases.csv", csv_bytes([SOMSRI])))
    assert job.status == ImportJob.Status.FAILED and job.error == "RuntimeError" and not job.has_file
    assert "The work stopped with an error" in sam.get(f"/exchange/import/jobs/{job.pk}/").content.decode()


# --- Export --------------------------------------------------------------------------------------


def test_the_export_is_the_agencys_cases_and_is_audited(network, users, sam):
    htcds.import_file(csv_bytes([SOMSRI]), filename="a.csv", agency=network.alpha, actor=users["sam"])
    htcds.import_file(csv_bytes([MARIA]), filename="b.csv", agency=network.beta, actor=users["bella"])
    assert sam.get("/exchange/export/").status_code == 200

    response = sam.post("/exchange/export/", {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="htcds-alpha' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["prs_FirstName"], r["prs_SecondName"]) for r in rows] == [("Somsri", "Kaewmanee")]
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert export.actor == users["sam"] and export.details["format"] == "csv" and export.details["cases"] == 1

    workbook = sam.post("/exchange/export/", {"format": "xlsx"})
    assert workbook["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet.cell(row=3, column=[c.value for c in sheet[1]].index("prs_FirstName") + 1).value == "Somsri"


def test_an_export_without_a_format_is_refused_and_keeps_the_form(network, users, sam):
    response = sam.post("/exchange/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_file_name_with_markup_is_shown_as_text(network, users, sam):
    name = "<img src=x onerror=alert(1)>" + "y" * 300 + ".csv"
    job = job_of(upload(sam, name, csv_bytes([SOMSRI])))
    assert len(job.file_name) == 200 and job.file_name.endswith("y.csv")
    assert job.preview["created"]["cases"] == 1  # the format is still read from the name
    for url in (f"/exchange/import/jobs/{job.pk}/", "/exchange/import/"):
        text = sam.get(url).content.decode()
        assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_run_whose_worker_stopped_may_be_discarded_after_a_while(network, users, sam, settings):
    settings.EXCHANGE_IMPORT_BACKGROUND_ROWS = 1
    job = job_of(upload(sam, "cases.csv", csv_bytes([SOMSRI, MARIA])))
    started = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=started)

    sam.post(f"/exchange/import/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.discarded_at is None and job.has_file  # it may still be running

    ImportJob.objects.filter(pk=job.pk).update(started_at=started - STALE_AFTER - datetime.timedelta(minutes=1))
    sam.post(f"/exchange/import/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.discarded_at and not job.has_file and job.status == ImportJob.Status.FAILED
