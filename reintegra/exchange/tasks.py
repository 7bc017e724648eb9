"""The background work of the import pages: one run of an `ImportJob` (its preview, or its import
once confirmed), through Django's tasks framework (`reintegra worker` runs the queue beside the
server). A small file runs the same function in the request (jobs.py)."""

import base64
import logging
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django_tasks import task

from reintegra.lib import clock

from . import htcds, preview
from .models import ImportJob

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
