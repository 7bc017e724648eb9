"""The import pages' writes: an upload starts a job whose first run is a preview (a dry run); the
person who uploaded it confirms it, which runs the import; anyone of the agency's supervisors may
discard it. A large file's runs go to the background queue (tasks.py), a small one runs at once.
The file is kept encrypted only while a confirmation may still need it (decisions/0027)."""

import base64

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import clock
from reintegra.network.models import Agency

from . import tasks
from .models import ImportJob


def runs_in_background(rows: int) -> bool:
    return rows > settings.EXCHANGE_IMPORT_BACKGROUND_ROWS


def import_job_start(*, actor: User, agency: Agency, file_name: str, data: bytes, rows: int) -> ImportJob:
    """Keeps the file (encrypted) and runs its preview: now for a small file, in the worker for a
    large one. Nothing but the job is written."""
    if actor.agency_id != agency.pk:
        raise PermissionDenied
    with transaction.atomic():
        job = ImportJob(
            agency=agency,
            uploaded_by=actor,
            file_name=_short_name(file_name),
            file_size=len(data),
            file_data=base64.b64encode(data).decode("ascii"),
            background=runs_in_background(rows),
            rows_total=rows,
        )
        job.full_clean()
        job.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=job,
            categories=["identity"],
            details={"import": "htcds", "stage": "preview", "file": job.file_name, "bytes": job.file_size},
        )
        _queue(job)
    if not job.background:
        tasks.run_import_job(job.pk)
        job.refresh_from_db()
    return job


def import_job_confirm(*, actor: User, job: ImportJob) -> ImportJob:
    """Runs the import of a previewed file: only the person who uploaded it confirms it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.uploaded_by_id != actor.pk:
            raise ValidationError(_("Only the person who uploaded the file may confirm its import."))
        if not job.can_confirm:
            raise ValidationError(_("This import cannot be confirmed: it has problems, nothing to create, or ended."))
        job.stage = ImportJob.Stage.IMPORT
        job.status = ImportJob.Status.QUEUED
        job.confirmed_at = clock.now()
        job.rows_done = 0
        job.started_at = job.finished_at = None
        job.save(update_fields=["stage", "status", "confirmed_at", "rows_done", "started_at", "finished_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=job,
            details={"import": "htcds", "stage": "import", "file": job.file_name},
        )
        _queue(job)
    if not job.background:
        tasks.run_import_job(job.pk)
        job.refresh_from_db()
    return job


@transaction.atomic
def import_job_discard(*, actor: User, job: ImportJob) -> ImportJob:
    """Deletes the kept file and the problems (they quote it); the counts stay, as a record."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if actor.agency_id != job.agency_id:
        raise PermissionDenied
    if not job.can_discard:
        raise ValidationError(_("This import cannot be discarded: it is running or was imported."))
    job.discarded_at = clock.now()
    job.file_data = ""
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):  # a worker leaves it alone; a stale run
        job.status = ImportJob.Status.FAILED
        job.error = "discarded"
        job.finished_at = job.discarded_at
    job.preview = {key: value for key, value in job.preview.items() if key not in ("problems", "sample")}
    job.result = {key: value for key, value in job.result.items() if key != "problems"}
    job.save(update_fields=["discarded_at", "file_data", "status", "error", "finished_at", "preview", "result"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=job,
        categories=["identity"],
        details={"import": "htcds", "file": job.file_name},
    )
    return job


def _short_name(name: str, limit: int = 200) -> str:
    """The file name within the column, its extension kept (the import reads the format from it)."""
    if len(name) <= limit:
        return name
    stem, _dot, extension = name.rpartition(".")
    return f"{stem[: limit - len(extension) - 1]}.{extension}"


def _queue(job: ImportJob) -> None:
    """A large file's run goes to the queue with the job (one transaction: the worker never finds a
    task whose job is not written)."""
    if job.background:
        job.task_id = str(tasks.import_job_run.enqueue(job.pk).id)
        job.save(update_fields=["task_id"])
