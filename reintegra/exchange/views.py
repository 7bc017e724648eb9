"""The exchange pages: the CTDC de-identified statistics as a download for those who read the
whole network's insights (M&E analysts, network coordinators); the HTCDS v2.0 import (upload, a
preview, then the import confirmed) and export for an agency's supervisors (decisions/0027)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import (
    ctdc_job_get_for_user,
    ctdc_job_list_for_user,
    import_job_get_for_user,
    import_job_list_for_user,
    require_ctdc_reader,
    require_exchange_supervisor,
)
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_nothing_shown, note_read, shows_no_personal_data, shows_personal_data
from reintegra.cases.models import Case
from reintegra.lib import clock
from reintegra.network.models import Agency

from . import ctdc, ctdc_jobs, htcds, jobs
from .forms import CtdcForm, ExportForm, ImportUploadForm
from .models import CTDC_KEPT_FOR, ImportJob

# The page never releases with a smaller k than CTDC's own releases (the command may, deliberately).
MAX_K = 1000


def _ctdc_response(result: ctdc.Release) -> StreamingHttpResponse:
    response = StreamingHttpResponse(ctdc.csv_lines(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ctdc.csv"'
    response["X-Records"] = str(len(result.rows))
    response["X-Generalised"] = str(result.generalised)
    response["X-Suppressed"] = str(result.suppressed)
    return response


@shows_no_personal_data
@login_required
@require_GET
def ctdc_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """`/insights/ctdc.csv[?k=N]`: the k-anonymous CTDC file of the whole network, audited as an export,
    made in the request while the network is small; a larger one is asked for on the CTDC page and
    made in the background (ctdc_jobs.py), where this sends the reader."""
    user = require_ctdc_reader(request.user)
    raw = request.GET.get("k", "").strip() or str(ctdc.DEFAULT_K)
    if not raw.isdigit() or not ctdc.DEFAULT_K <= int(raw) <= MAX_K:
        message = _("k: give a whole number from %(low)s to %(high)s.") % {"low": ctdc.DEFAULT_K, "high": MAX_K}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    if ctdc_jobs.runs_in_background(ctdc.consenting_cases().count()):
        messages.info(request, _("The network has many cases: the file is made in the background. Ask for it here."))
        return redirect(f"{reverse('ctdc_export')}?k={int(raw)}")
    return _ctdc_response(ctdc.export(k=int(raw), actor=user))


JOBS_LISTED = 20


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def ctdc_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """`/insights/ctdc/`: ask for the CTDC file with a k. A small network's file comes at once; a
    large one's is made in the background, and its page says when it is ready (decisions/0032).
    The page lists the files the reader asked for (k, counts, state: nobody's data)."""
    user = require_ctdc_reader(request.user)
    ctdc_jobs.ctdc_jobs_purge()
    if request.method == "POST":
        form = CtdcForm(request.POST)
    else:
        form = CtdcForm(initial={"k": request.GET.get("k") or ctdc.DEFAULT_K})
    if request.method == "POST" and form.is_valid():
        k, cases = form.cleaned_data["k"], ctdc.consenting_cases().count()
        if not ctdc_jobs.runs_in_background(cases):
            return _ctdc_response(ctdc.export(k=k, actor=user))
        job = ctdc_jobs.ctdc_job_start(actor=user, k=k, cases=cases)
        return redirect("ctdc_job", job_id=job.pk)
    context = {
        "form": form,
        "failed_form": form if form.is_bound else None,
        "jobs": ctdc_job_list_for_user(user)[:JOBS_LISTED],
        "background_cases": settings.EXCHANGE_CTDC_BACKGROUND_CASES,
        "kept_hours": int(CTDC_KEPT_FOR.total_seconds() // 3600),
        "min_k": ctdc.DEFAULT_K,
    }
    return render(request, "exchange/ctdc.html", context, status=400 if request.method == "POST" else 200)


@shows_no_personal_data
@login_required
@require_GET
def ctdc_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """`/insights/ctdc/jobs/N/`: how far the making of the file is, then its counts and the download."""
    user = require_ctdc_reader(request.user)
    ctdc_jobs.ctdc_jobs_purge()
    job = ctdc_job_get_for_user(user, job_id=job_id)
    return render(request, "exchange/ctdc_job.html", {"job": job})


@shows_no_personal_data
@login_required
@require_GET
def ctdc_job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's progress as JSON, for its page to follow (app.js, as an import's): counts only."""
    job = ctdc_job_get_for_user(request.user, job_id=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.cases_done,
            "total": job.cases_total,
            "percent": job.percent,
            "finished": job.finished,
        }
    )


@shows_no_personal_data
@login_required
@require_POST
def ctdc_job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The file, once: it is deleted as it is handed over (a POST: it changes what is kept)."""
    user = require_ctdc_reader(request.user)
    job = ctdc_job_get_for_user(user, job_id=job_id)
    try:
        data = ctdc_jobs.ctdc_job_download(actor=user, job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("ctdc_job", job_id=job.pk)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    name = f"ctdc-k{job.k}-{clock.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Records"] = str(job.summary.get("records", 0))
    return response


# ------------------------------------------------------------------------------------- HTCDS pages

PROBLEMS_PER_PAGE = 100
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _agency_of(user: User) -> Agency:
    if user.agency is None:  # require_exchange_supervisor refused it already; for the type checker
        raise PermissionDenied
    return user.agency


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """`/exchange/import/`: upload an HTCDS file; its preview follows on the job's page. The page
    lists the agency's recent imports (file names, who, counts: no one's data)."""
    user = require_exchange_supervisor(request.user)
    agency = _agency_of(user)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        job = jobs.import_job_start(
            actor=user, agency=agency, file_name=form.cleaned_data["file"].name, data=form.data_bytes, rows=form.rows
        )
        return redirect("exchange:job", job_id=job.pk)
    context = {
        "form": form,
        "failed_form": form if form.is_bound else None,
        "recent": import_job_list_for_user(user)[:JOBS_LISTED],
        "background_rows": settings.EXCHANGE_IMPORT_BACKGROUND_ROWS,
    }
    return render(request, "exchange/import.html", context, status=400 if request.method == "POST" else 200)


@shows_personal_data("exchange.importjob")
@login_required
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """`/exchange/import/jobs/N/`: a job's progress, then what it found: counts, every problem by row
    and column (a page of them at a time), the first rows it would create, and its buttons."""
    user = require_exchange_supervisor(request.user)
    job = import_job_get_for_user(user, job_id=job_id)
    outcome = job.outcome if job.status == ImportJob.Status.DONE else {}
    problems = Paginator(outcome.get("problems", []), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    sample = (job.preview or {}).get("sample", []) if job.stage == ImportJob.Stage.PREVIEW else []
    if problems.object_list or sample:  # the file's values and a few words of each person
        note_read(actor=user, obj=job, categories=["identity"], details={"via": "import preview"})
    else:
        note_nothing_shown()
    context = {
        "job": job,
        "outcome": outcome,
        "preview": job.preview or {},
        "problems": problems,
        "page": problems,
        "sample": sample,
        "mine": job.uploaded_by_id == user.pk,
    }
    return render(request, "exchange/job.html", context)


@shows_no_personal_data
@login_required
@require_GET
def import_job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's progress as JSON, for the job's page to follow (app.js): counts only."""
    user = require_exchange_supervisor(request.user)
    job = import_job_get_for_user(user, job_id=job_id)
    return JsonResponse(
        {
            "stage": job.stage,
            "status": job.status,
            "done": job.rows_done,
            "total": job.rows_total,
            "percent": job.percent,
            "finished": job.finished,
        }
    )


@shows_no_personal_data
@login_required
@require_POST
def import_job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    user = require_exchange_supervisor(request.user)
    job = import_job_get_for_user(user, job_id=job_id)
    try:
        job = jobs.import_job_confirm(actor=user, job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("exchange:job", job_id=job.pk)
    if job.background:
        messages.success(request, _("The import is waiting to run in the background; this page shows how far it is."))
    elif job.imported:
        cases = job.result.get("created", {}).get("cases", 0)
        messages.success(request, _("Imported. Cases created: %(n)s.") % {"n": cases})
    else:
        messages.error(request, _("The import was refused; nothing was written. The problems are listed below."))
    return redirect("exchange:job", job_id=job.pk)


@shows_no_personal_data
@login_required
@require_POST
def import_job_discard(request: HttpRequest, job_id: int) -> HttpResponse:
    user = require_exchange_supervisor(request.user)
    job = import_job_get_for_user(user, job_id=job_id)
    try:
        jobs.import_job_discard(actor=user, job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("exchange:job", job_id=job.pk)
    messages.success(request, _("Discarded: the file and the problems it had are deleted."))
    return redirect("exchange:import")


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest) -> HttpResponse:
    """`/exchange/export/`: the agency's cases as an HTCDS v2.0 file, downloaded by a supervisor
    (POST: the download is audited as an export by `htcds.export_file`)."""
    user = require_exchange_supervisor(request.user)
    agency = _agency_of(user)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        data = htcds.export_file(agency=agency, actor=user, fmt=fmt)
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        name = f"htcds-{agency.slug}-{clock.today().isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "form": form,
        "failed_form": form if form.is_bound else None,
        "cases": Case.objects.filter(agency=agency).count(),
    }
    return render(request, "exchange/export.html", context, status=400 if request.method == "POST" else 200)
