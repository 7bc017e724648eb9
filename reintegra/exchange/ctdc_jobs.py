"""The CTDC file asked for on the insights pages, as background work (decisions/0032). An M&E
analyst or a network coordinator asks for it with a k; a network with more consenting cases than
EXCHANGE_CTDC_BACKGROUND_CASES gets a job that the worker runs (tasks.py: ctdc.export, logged as
an export); the file is kept, compressed and encrypted, for the person who asked alone, until they
download it (once: it is deleted then) or for a day (CTDC_KEPT_FOR: then it is deleted unread).
A smaller network's file is made in the request (views.py), as before."""

import base64
import gzip

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import clock

from . import ctdc, tasks
from .models import CTDC_KEPT_FOR, STALE_AFTER, CtdcExportJob


def runs_in_background(cases: int) -> bool:
    return cases > settings.EXCHANGE_CTDC_BACKGROUND_CASES


def ctdc_job_start(*, actor: User, k: int, cases: int) -> CtdcExportJob:
    """Queues the making of the file for `actor` (who may read the whole network's insights: the view
    checked it through access). One at a time: a job of theirs still waiting or running is returned
    instead of a second one (a reload, a double click)."""
    if k < ctdc.DEFAULT_K:
        raise ValidationError({"k": _("k: give a whole number from %(low)s.") % {"low": ctdc.DEFAULT_K}})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one start at a time per person
        waiting = (
            CtdcExportJob.objects.filter(
                requested_by=actor, status__in=[CtdcExportJob.Status.QUEUED, CtdcExportJob.Status.RUNNING]
            )
            .filter(created_at__gte=clock.now() - STALE_AFTER)
            .first()
        )
        if waiting is not None:
            return waiting
        job = CtdcExportJob.objects.create(requested_by=actor, k=k, background=True, cases_total=cases)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=job,
            details={"export": "ctdc", "k": k, "cases": cases},
        )
        # Queued in the same transaction: the worker never finds a task whose job is not written.
        job.task_id = str(tasks.ctdc_job_run.enqueue(job.pk).id)
        job.save(update_fields=["task_id"])
    return job


def ctdc_job_download(*, actor: User, job: CtdcExportJob) -> bytes:
    """The file, once, to the person who asked: it is deleted as it is handed over (logged)."""
    with transaction.atomic():
        job = CtdcExportJob.objects.select_for_update().get(pk=job.pk)
        if job.requested_by_id != actor.pk:
            raise PermissionDenied
        if not job.ready:
            raise ValidationError(
                _("This file is no longer kept: it was downloaded, or a day passed. Ask for a new one.")
            )
        data = gzip.decompress(base64.b64decode(job.file_data))
        now = clock.now()
        job.file_data = ""
        job.downloaded_at = job.deleted_at = now
        job.save(update_fields=["file_data", "downloaded_at", "deleted_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            obj=job,
            categories=["profile", "history"],
            details={"export": "ctdc", "k": job.k, "downloaded": True, "records": job.summary.get("records", 0)},
        )
    return data


def ctdc_jobs_purge() -> int:
    """Deletes the files kept longer than CTDC_KEPT_FOR (run at every job and page: nothing to schedule)."""
    now = clock.now()
    due = CtdcExportJob.objects.filter(deleted_at__isnull=True, finished_at__lt=now - CTDC_KEPT_FOR)
    return due.update(file_data="", deleted_at=now)
