from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reintegra.access import (
    agency_get_for_user,
    can_edit_agency,
    can_manage_network,
    require_member,
    service_get_for_user,
)
from reintegra.accounts.reads import shows_no_personal_data
from reintegra.insights import feedback as insights_feedback
from reintegra.lib import csvsafe, geo
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.http import HtmxHttpRequest

from . import selectors, services
from .choices import ServiceCategory, Stage
from .forms import AgencyForm, CoverageForm, DirectoryFilterForm, ServiceForm
from .serializers import coverage_as_dict


@shows_no_personal_data
@login_required
@require_GET
def directory(request: HtmxHttpRequest) -> HttpResponse:
    user = require_member(request.user)
    form = DirectoryFilterForm(request.GET or None, countries=selectors.countries_in_network(user=user))
    filters = selectors.DirectoryFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.DirectoryFilters(**form.cleaned_data)
    agencies = selectors.agency_directory(user=user, filters=filters)
    page = Paginator(agencies, 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_manage": can_manage_network(user)}
    template = "network/_directory_results.html" if request.htmx else "network/directory.html"
    return render(request, template, context)


@shows_no_personal_data
@login_required
@require_GET
def area_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of a country's areas, swapped in by htmx when the country changes; with
    `field=areas`, the agency form's ticks of the areas it serves."""
    require_member(request.user)
    country = request.GET.get("country", "").upper()
    if request.GET.get("field") == "areas":
        form = AgencyForm({"country": country})
        return render(request, "network/_area_checklist.html", {"field": form["areas"]})
    choices = geo.area_choices(country) if geo.is_country(country) else []
    blank = request.GET.get("blank") == "1"
    return render(request, "network/_area_options.html", {"choices": choices, "blank": blank})


@shows_no_personal_data
@login_required
@require_GET
def agency_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agency = agency_get_for_user(request.user, slug=slug)
    services_ = agency.services.order_by("stage", "name")
    if not can_edit_agency(request.user, agency):
        services_ = services_.filter(active=True)
    context = {
        "agency": agency,
        "services": services_,
        "areas": [geo.area_name(a.code) for a in agency.areas.all()],
        "can_edit": can_edit_agency(request.user, agency),
        # The returnees' feedback on the agency's services, for its own staff, suppressed below k (issue 16).
        "feedback": (
            insights_feedback.provider_summary(agency.pk)
            if getattr(request.user, "agency_id", None) == agency.pk
            else None
        ),
    }
    return render(request, "network/agency_detail.html", context)


def _save_form(request: HttpRequest, form: Any, save: Any) -> Any:
    """Runs a service with the form's data; its errors land on the form. Returns the object or None."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
    except EditConflict as exc:
        form.add_error(None, str(exc))
    return None


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    if not can_manage_network(request.user):
        raise PermissionDenied
    form = AgencyForm(request.POST or None)
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Any:
            data = {k: v for k, v in data.items() if k != "version"}
            return services.agency_create(actor=require_member(request.user), **data)

        if agency := _save_form(request, form, save):
            messages.success(request, _("Agency added."))
            return redirect("network:agency", slug=agency.slug)
    return render(request, "network/agency_form.html", {"form": form, "agency": None})


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, slug: str) -> HttpResponse:
    agency = agency_get_for_user(request.user, slug=slug, for_edit=True)
    form = AgencyForm(request.POST or None, instance=agency, may_rename=can_manage_network(request.user))
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Any:
            return services.agency_update(actor=require_member(request.user), agency=agency, **data)

        if saved := _save_form(request, form, save):
            messages.success(request, _("Agency saved."))
            return redirect("network:agency", slug=saved.slug)
    return render(request, "network/agency_form.html", {"form": form, "agency": agency})


@shows_no_personal_data
@login_required
@require_GET
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service = service_get_for_user(request.user, service_id=service_id)
    context = {"service": service, "can_edit": can_edit_agency(request.user, service.agency)}
    return render(request, "network/service_detail.html", context)


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest, slug: str) -> HttpResponse:
    agency = agency_get_for_user(request.user, slug=slug, for_edit=True)
    form = ServiceForm(request.POST or None, country=agency.country)
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Any:
            data = {k: v for k, v in data.items() if k != "version"}
            return services.service_create(actor=require_member(request.user), agency=agency, **data)

        if service := _save_form(request, form, save):
            messages.success(request, _("Service added."))
            return redirect("network:service", service_id=service.pk)
    return render(request, "network/service_form.html", {"form": form, "agency": agency, "service": None})


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = service_get_for_user(request.user, service_id=service_id, for_edit=True)
    form = ServiceForm(request.POST or None, instance=service, country=service.agency.country)
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Any:
            return services.service_update(actor=require_member(request.user), service=service, **data)

        if saved := _save_form(request, form, save):
            messages.success(request, _("Service saved."))
            return redirect("network:service", service_id=saved.pk)
    context = {"form": form, "agency": service.agency, "service": service}
    return render(request, "network/service_form.html", context)


@shows_no_personal_data
@login_required
@require_GET
def coverage(request: HtmxHttpRequest, fmt: str = "html") -> HttpResponse:
    user = require_member(request.user)
    countries = selectors.countries_in_network(user=user)
    data = request.GET.copy()
    if not data.get("country") and countries:
        data["country"] = "TH" if "TH" in countries else countries[0]
    form = CoverageForm(data, countries=countries)
    table = None
    if form.is_valid():
        table = selectors.coverage_for_country(
            user=user,
            country=form.cleaned_data["country"],
            dimension=form.cleaned_data["dimension"] or "stage",
            stage=form.cleaned_data["stage"],
        )
    if fmt == "json":
        if table is None:
            return JsonResponse(
                {"error": {"code": "invalid", "message": _("Choose a country of the network."), "fields": form.errors}},
                status=400,
            )
        return JsonResponse(coverage_as_dict(table), json_dumps_params={"ensure_ascii": False})
    if fmt == "csv":
        if table is None:
            return HttpResponse(_("Choose a country of the network."), status=400, content_type="text/plain")
        return _coverage_csv(table)
    labels = dict(Stage.choices) | dict(ServiceCategory.choices)
    columns = table.columns if table is not None else []
    rows = [
        {
            "region_label": geo.area_name(row.region.code) if row.region else "",
            "area_label": geo.area_name(row.area.code),
            "cells": [row.counts[c] for c in columns],
        }
        for row in (table.rows if table is not None else [])
    ]
    context = {
        "form": form,
        "table": table,
        "rows": rows,
        "column_labels": [labels[c] for c in columns],
        "query": data.urlencode(),
    }
    template = "network/_coverage_table.html" if request.htmx else "network/coverage.html"
    return render(request, template, context)


def _coverage_csv(table: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coverage-{table.country}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Thai names as UTF-8
    writer = csvsafe.writer(response)
    writer.writerow(["area_code", "area", "region_code", "region", *table.columns])
    for row in table.rows:
        region = row.region
        writer.writerow(
            [
                row.area.code,
                geo.area_name(row.area.code),
                region.code if region else "",
                geo.area_name(region.code) if region else "",
                *(row.counts[c] for c in table.columns),
            ]
        )
    return response
