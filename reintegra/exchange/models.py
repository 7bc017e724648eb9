"""An HTCDS import uploaded on the pages (decisions/0027): the file kept, encrypted, between its
preview and its confirmation, and what each run found. A large file runs as background work."""

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock
from reintegra.lib.fields import EncryptedJSONField, EncryptedTextField, StampField

# A run this long is taken for dead (its worker stopped): it may be discarded, its file deleted.
STALE_AFTER = datetime.timedelta(hours=2)


class ImportJob(models.Model):
    class Stage(models.TextChoices):
        PREVIEW = "preview", _("Preview")  # a dry run: nothing is written
        IMPORT = "import", _("Import")  # confirmed by the person who uploaded it

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="import_jobs")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    file_size = models.PositiveBigIntegerField(default=0)
    # Base64 of the uploaded bytes, encrypted; emptied once it is no longer needed (imported,
    # discarded, failed, or a preview that cannot be confirmed).
    file_data = EncryptedTextField(blank=True)
    stage = models.CharField(max_length=8, choices=Stage.choices, default=Stage.PREVIEW)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    background = models.BooleanField(default=False)  # runs in the worker (a large file)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    # What the preview found, and what the import did: counts, every problem, a few rows (encrypted:
    # a problem quotes the file's value).
    preview = EncryptedJSONField(default=dict)
    result = EncryptedJSONField(default=dict)
    error = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = StampField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="exchange_job_agency_made")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_stage_display()}, {self.get_status_display()})"

    @property
    def has_file(self) -> bool:
        return bool(self.file_data)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def outcome(self) -> dict[str, Any]:
        """What the last run found: the import's result once confirmed, else the preview's."""
        return self.result if self.stage == self.Stage.IMPORT else self.preview

    @property
    def can_confirm(self) -> bool:
        """A finished preview without problems and with cases to create, whose file is still kept."""
        preview = self.preview or {}
        return (
            self.stage == self.Stage.PREVIEW
            and self.status == self.Status.DONE
            and self.discarded_at is None
            and self.has_file
            and not preview.get("problems")
            and not preview.get("problem_count")
            and bool(preview.get("created", {}).get("cases"))
        )

    @property
    def stale(self) -> bool:
        return (
            self.status == self.Status.RUNNING
            and self.started_at is not None
            and clock.now() - self.started_at > STALE_AFTER
        )

    @property
    def can_discard(self) -> bool:
        return self.discarded_at is None and not self.imported and (self.status != self.Status.RUNNING or self.stale)

    @property
    def imported(self) -> bool:
        return (
            self.stage == self.Stage.IMPORT
            and self.status == self.Status.DONE
            and not (self.result or {}).get("problem_count")
        )

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0


# A CTDC file not downloaded within this long is deleted (decisions/0032).
CTDC_KEPT_FOR = datetime.timedelta(days=1)


class CtdcExportJob(models.Model):
    """The CTDC de-identified statistics asked for by an M&E analyst or a network coordinator on the
    insights pages (decisions/0032): made in the background when the network is large, kept
    (compressed, encrypted) for the person who asked until they download it once, or a day."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    k = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    background = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    cases_done = models.PositiveIntegerField(default=0)
    cases_total = models.PositiveIntegerField(default=0)
    # What the release cost (records, generalised, suppressed): counts, as the audit log keeps them.
    summary = models.JSONField(default=dict)
    # Base64 of the gzip-compressed CSV, encrypted; emptied at the download or after CTDC_KEPT_FOR.
    file_data = EncryptedTextField(blank=True)
    file_size = models.PositiveBigIntegerField(default=0)  # of the CSV, uncompressed
    error = models.CharField(max_length=200, blank=True)
    created_at = StampField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # the file: downloaded, expired or failed

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exchange_ctdc_asker_made")]

    def __str__(self) -> str:
        return f"CTDC k={self.k} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def expires_at(self) -> datetime.datetime | None:
        return self.finished_at + CTDC_KEPT_FOR if self.finished_at else None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and clock.now() >= self.expires_at

    @property
    def ready(self) -> bool:
        """Done, its file still kept and not yet due for deletion: the person who asked may download it."""
        return self.status == self.Status.DONE and bool(self.file_data) and not self.expired

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        # Reading the cases is most of the work; the k-anonymisation and the file take the rest.
        return min(90, round(90 * self.cases_done / self.cases_total)) if self.cases_total else 0
