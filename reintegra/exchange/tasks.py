"""The background work of the exchange pages, through Django's tasks framework (`reintegra worker`
runs the queue beside the server): one run of an `ImportJob` (its preview, or its import once
confirmed; a small file runs the same function in the request, jobs.py), and the making of a CTDC
file asked for on the insights pages (`CtdcExportJob`, ctdc_jobs.py)."""

import base64
import gzip
import logging
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django_tasks import task

from reintegra.lib import clock

from . import ctdc, htcds, preview
from .models import CtdcExportJob, ImportJob

logger = logging.getLogger("reintegra.exchange")


def run_import_job(job_id: int) -> None:
    """Runs the job's stage once: the dry run of a preview, or the import it was confirmed for.
    A job that is not waiting to run (run already, discarded) is left as it is."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("agency", "uploaded_by").get(pk=job_id)
        if job.status != ImportJob.Status.QUEUED or job.discarded_at is not None or not job.has_file:
            return
        job.status = ImportJob.Status.RUNNING
        job.started_at = clock.now()
        job.rows_done = 0
        job.save(update_fields=["status", "started_at", "rows_done"])

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    dry_run = job.stage == ImportJob.Stage.PREVIEW
    try:
        data = base64.b64decode(job.file_data)
        result = htcds.import_file(
            data,
            filename=job.file_name,
            agency=job.agency,
            actor=job.uploaded_by,
            dry_run=dry_run,
            progress=progress,
        )
        outcome = _outcome(result)
        if dry_run and result.ok and result.created["cases"]:
            outcome["sample"] = preview.sample_rows(data, job.file_name, agency=job.agency)
    except Exception as exc:  # the job says it failed; the worker goes on to the next
        logger.exception("HTCDS import job %s failed", job.pk)
        _finish(job, status=ImportJob.Status.FAILED, error=type(exc).__name__, keep_file=False)
        return
    if dry_run:
        job.preview = outcome
        # Only a preview that may be confirmed needs the file any longer.
        keep = result.ok and bool(result.created["cases"])
    else:
        job.result = outcome
        job.preview = {key: value for key, value in job.preview.items() if key != "sample"}
        keep = False
    job.rows_total = job.rows_total or result.rows
    _finish(job, status=ImportJob.Status.DONE, error="", keep_file=keep)


def _outcome(result: htcds.ImportResult) -> dict[str, Any]:
    return {
        "created": dict(result.created),
        "unchanged": result.unchanged,
        "rows": result.rows,
        "problems": [asdict(problem) for problem in result.problems],
        "problem_count": len(result.problems),
    }


def _finish(job: ImportJob, *, status: str, error: str, keep_file: bool) -> None:
    job.status = status
    job.error = error
    job.finished_at = clock.now()
    if status == ImportJob.Status.DONE:
        job.rows_done = job.rows_total
    if not keep_file:
        job.file_data = ""
    job.save(
        update_fields=["status", "error", "finished_at", "rows_done", "rows_total", "file_data", "preview", "result"]
    )


@task()
def import_job_run(job_id: int) -> None:
    """The worker's entry: one run of an import job."""
    run_import_job(job_id)


# --- The CTDC file asked for on the insights pages (ctdc_jobs.py, decisions/0032) -----------------


def run_ctdc_job(job_id: int) -> None:
    """Makes the job's file once (ctdc.export: logged as an export by the person who asked) and keeps
    it compressed and encrypted. A job that is not waiting to run is left as it is."""
    with transaction.atomic():
        job = CtdcExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status != CtdcExportJob.Status.QUEUED:
            return
        job.status = CtdcExportJob.Status.RUNNING
        job.started_at = clock.now()
        job.cases_done = 0
        job.save(update_fields=["status", "started_at", "cases_done"])

    def progress(done: int) -> None:
        CtdcExportJob.objects.filter(pk=job.pk).update(cases_done=done)

    try:
        result = ctdc.export(k=job.k, actor=job.requested_by, progress=progress, details={"job": job.pk})
        text = "".join(ctdc.csv_lines(result))
        packed = base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")
    except Exception as exc:  # the job says it failed; the worker goes on to the next
        logger.exception("CTDC export job %s failed", job.pk)
        job.status, job.error = CtdcExportJob.Status.FAILED, type(exc).__name__
        job.finished_at = job.deleted_at = clock.now()
        job.save(update_fields=["status", "error", "finished_at", "deleted_at"])
        return
    job.status, job.error = CtdcExportJob.Status.DONE, ""
    job.summary = ctdc.summary(result)
    job.file_data, job.file_size = packed, len(text.encode("utf-8"))
    job.cases_done = job.cases_total = result.included
    job.finished_at = clock.now()
    job.save(
        update_fields=[
            "status",
            "error",
            "summary",
            "file_data",
            "file_size",
            "cases_done",
            "cases_total",
            "finished_at",
        ]
    )


@task()
def ctdc_job_run(job_id: int) -> None:
    """The worker's entry: the making of one CTDC file."""
    run_ctdc_job(job_id)
