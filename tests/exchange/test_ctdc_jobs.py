"""The CTDC file as background work (issue 14; decisions/0032): an analyst or a coordinator asks
for it with k on the insights pages; a large network's file is made by the worker through the tasks
framework, its page follows it, and it is kept for the person who asked alone until they download
it once, or a day; every step is logged. A small network's file still comes in the request."""

import csv
import datetime
import io

import pytest
from django_tasks_db.models import DBTaskResult

from reintegra.accounts.models import AuditEvent
from reintegra.exchange import ctdc, ctdc_jobs, tasks
from reintegra.exchange.models import CtdcExportJob
from tests.conftest import client_for

from .test_ctdc import populate
from .test_pages import run_worker


@pytest.fixture
def large(settings):
    settings.EXCHANGE_CTDC_BACKGROUND_CASES = 5  # the 14 cases below are "large"


def job_of(response) -> CtdcExportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return CtdcExportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_a_large_network_s_file_is_made_in_the_background_and_downloaded_once(transactional_db, network, users, large):
    # transactional_db: the worker closes a connection it finds inside a transaction (PostgreSQL).
    populate(users["alice"], n=14)
    ana = client_for(users["ana"])

    job = job_of(ana.post("/insights/ctdc/", {"k": "11"}))

    assert job.background and job.status == CtdcExportJob.Status.QUEUED and job.k == 11  # noqa: PLR2004
    assert DBTaskResult.objects.filter(id=job.task_id, task_path="reintegra.exchange.tasks.ctdc_job_run").exists()
    page = ana.get(f"/insights/ctdc/jobs/{job.pk}/").content.decode()
    assert "data-job-progress=" in page and "Waiting for the background worker." in page
    assert ana.get(f"/insights/ctdc/jobs/{job.pk}/progress/").json() == {
        "status": "queued",
        "done": 0,
        "total": 14,
        "percent": 0,
        "finished": False,
    }
    assert not AuditEvent.objects.filter(object_type="ctdc").exists()  # nothing made yet

    run_worker()

    job.refresh_from_db()
    assert job.status == CtdcExportJob.Status.DONE and job.ready
    assert job.summary["records"] == 13 and job.summary["suppressed"] == 1  # noqa: PLR2004
    assert ana.get(f"/insights/ctdc/jobs/{job.pk}/progress/").json()["finished"] is True
    assert AuditEvent.objects.get(object_type="ctdc", action="export").details["job"] == job.pk
    page = ana.get(f"/insights/ctdc/jobs/{job.pk}/").content.decode()
    assert f"/insights/ctdc/jobs/{job.pk}/download/" in page

    download = ana.post(f"/insights/ctdc/jobs/{job.pk}/download/")

    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")  # noqa: PLR2004
    rows = rows_of(download.content)
    assert rows[0] == list(ctdc.HEADER) and len(rows) == 14  # noqa: PLR2004
    assert ctdc.is_k_anonymous([tuple(r) for r in rows[1:]], 11)
    job.refresh_from_db()
    assert job.file_data == "" and job.downloaded_at is not None and not job.ready
    logged = AuditEvent.objects.get(action="export", object_id=str(job.pk))
    assert logged.actor_username == "ana" and logged.details["downloaded"] is True
    # Once: the second download is refused, said on the job's page.
    again = ana.post(f"/insights/ctdc/jobs/{job.pk}/download/", follow=True)
    assert again.redirect_chain and "no longer kept" in again.content.decode()


def test_the_file_is_the_asker_s_alone(db, users, large):
    populate(users["alice"], n=14)
    job = job_of(client_for(users["ana"]).post("/insights/ctdc/", {"k": "11"}))
    tasks.run_ctdc_job(job.pk)

    cora = client_for(users["cora"])  # a coordinator, who may ask for their own
    assert cora.get(f"/insights/ctdc/jobs/{job.pk}/").status_code == 404  # noqa: PLR2004
    assert cora.get(f"/insights/ctdc/jobs/{job.pk}/progress/").status_code == 404  # noqa: PLR2004
    assert cora.post(f"/insights/ctdc/jobs/{job.pk}/download/").status_code == 404  # noqa: PLR2004
    for who in ("sam", "alice"):  # a supervisor reads their agency's figures; this file is the network's
        client = client_for(users[who])
        assert client.get(f"/insights/ctdc/jobs/{job.pk}/").status_code == 403  # noqa: PLR2004
        assert client.post("/insights/ctdc/", {"k": "11"}).status_code == 403  # noqa: PLR2004
    assert CtdcExportJob.objects.count() == 1
    assert CtdcExportJob.objects.get().ready


def test_a_file_not_downloaded_within_a_day_is_deleted(db, users, large, settings):
    populate(users["alice"], n=14)
    ana = client_for(users["ana"])
    job = job_of(ana.post("/insights/ctdc/", {"k": "11"}))
    tasks.run_ctdc_job(job.pk)
    job.refresh_from_db()
    assert job.ready
    CtdcExportJob.objects.filter(pk=job.pk).update(finished_at=job.finished_at - datetime.timedelta(hours=25))

    page = ana.get("/insights/ctdc/").content.decode()

    job.refresh_from_db()
    assert job.file_data == "" and job.deleted_at is not None and job.downloaded_at is None
    assert "Deleted: not downloaded within a day" in page
    assert ana.post(f"/insights/ctdc/jobs/{job.pk}/download/").status_code == 302  # noqa: PLR2004
    assert not AuditEvent.objects.filter(action="export", object_id=str(job.pk)).exists()


def test_asking_twice_while_it_runs_makes_one_job(db, users, large):
    populate(users["alice"], n=14)
    ana = client_for(users["ana"])
    first = job_of(ana.post("/insights/ctdc/", {"k": "11"}))
    second = job_of(ana.post("/insights/ctdc/", {"k": "20"}))
    assert first.pk == second.pk and CtdcExportJob.objects.count() == 1


def test_a_bad_k_is_a_form_error_and_nothing_is_queued(db, users, large):
    populate(users["alice"], n=14)
    ana = client_for(users["ana"])
    for bad in ("5", "x", "1001", ""):
        response = ana.post("/insights/ctdc/", {"k": bad})
        assert response.status_code == 400, bad  # noqa: PLR2004
        page = response.content.decode()
        assert 'id="ctdc-form"' in page and "k (each combination" in page
        if bad:
            assert f'value="{bad}"' in page  # what was typed is kept beside its error
    assert not CtdcExportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_a_failed_run_says_so_and_keeps_nothing(db, users, large, monkeypatch):
    populate(users["alice"], n=14)
    ana = client_for(users["ana"])
    job = job_of(ana.post("/insights/ctdc/", {"k": "11"}))

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ctdc, "export", broken)
    tasks.run_ctdc_job(job.pk)

    job.refresh_from_db()
    assert job.status == CtdcExportJob.Status.FAILED and job.error == "RuntimeError" and not job.ready
    assert "The work stopped with an error" in ana.get(f"/insights/ctdc/jobs/{job.pk}/").content.decode()


def test_a_small_network_s_file_comes_in_the_request(db, users):
    populate(users["alice"], n=14)  # below EXCHANGE_CTDC_BACKGROUND_CASES
    response = client_for(users["ana"]).post("/insights/ctdc/", {"k": "11"})
    assert response.status_code == 200 and response["X-Suppressed"] == "1"  # noqa: PLR2004
    rows = rows_of(b"".join(response.streaming_content))
    assert len(rows) == 14 and not CtdcExportJob.objects.exists()  # noqa: PLR2004
    assert AuditEvent.objects.filter(object_type="ctdc", action="export", actor_username="ana").count() == 1


def test_the_direct_link_sends_a_large_network_to_the_page(db, users, large):
    populate(users["alice"], n=14)
    response = client_for(users["ana"]).get("/insights/ctdc.csv?k=20")
    assert response.status_code == 302 and response["Location"] == "/insights/ctdc/?k=20"  # noqa: PLR2004
    assert not AuditEvent.objects.filter(object_type="ctdc").exists()


def test_the_release_reports_how_many_cases_it_read_at_every_chunk(db, users, monkeypatch):
    populate(users["alice"], n=14)
    monkeypatch.setattr(ctdc, "CHUNK", 5)
    told: list[int] = []
    result = ctdc.release(11, progress=told.append)
    assert told == [5, 10, 14] and result.included == 14  # noqa: PLR2004
    job = ctdc_jobs.ctdc_job_start(actor=users["cora"], k=11, cases=14)
    tasks.run_ctdc_job(job.pk)
    job.refresh_from_db()
    assert job.cases_done == 14 and job.percent == 100  # noqa: PLR2004
