from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import (
    agency_list_for_user,
    can_add_options,
    can_edit_opportunities_of,
    can_manage_network,
    case_get_for_user,
    labour_market_get_for_user,
    opportunity_get_for_user,
    require_member,
    require_programme_viewer,
    require_supervisor,
    sees_programme_figures,
)
from reintegra.accounts.models import User
from reintegra.lib import geo
from reintegra.lib.concurrency import EditConflict
from reintegra.matching.prediction import FEATURES

from . import allocation, isco, prediction, selectors, services
from .forms import AllocationForm, DemandForm, FilterForm, ImportForm, OpportunityForm
from .models import DEMAND_FIELDS, OPTION_FIELDS, Opportunity, OpportunityKind, values_of

MAX_UPLOAD = 5 * 1024 * 1024


@login_required
@require_GET
def labour_market(request: HttpRequest) -> HttpResponse:
    user = require_member(request.user)
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    figures = selectors.labour_market_list(
        user=user, country=data.get("country", ""), area=data.get("area", ""), isco=data.get("isco", "")
    )
    page = Paginator(figures, 50).get_page(request.GET.get("page"))
    rows = [(f, geo.area_name(f.area), isco.label(f.isco)) for f in page]
    can_edit = can_manage_network(user)
    return render(
        request,
        "livelihoods/labour_market.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "can_edit": can_edit,
            "import_form": ImportForm() if can_edit else None,
            "demand_form": DemandForm() if can_edit else None,
        },
    )


@login_required
@require_POST
def labour_market_import(request: HttpRequest) -> HttpResponse:
    user = require_member(request.user)
    if not can_manage_network(user):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a CSV file."))
    elif (upload.size or 0) > MAX_UPLOAD:
        messages.error(request, _("The file is too large (over 5 MB); split it."))
    else:
        try:
            text = upload.read().decode("utf-8-sig")
            result = services.labour_market_import(actor=user, text=text)
        except UnicodeDecodeError:
            messages.error(request, _("The file is not UTF-8 text; save it as “CSV UTF-8”."))
        except ValidationError as exc:
            messages.error(request, _("The file was refused; nothing was saved."))
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new figures, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
    return redirect("livelihoods:labour_market")


@login_required
@require_http_methods(["GET", "POST"])
def demand_edit(request: HttpRequest, demand_id: int | None = None) -> HttpResponse:
    user = require_member(request.user)
    if not can_manage_network(user):
        raise PermissionDenied
    demand = None
    if demand_id is not None:
        demand = labour_market_get_for_user(user, demand_id=demand_id, for_edit=True)
    initial = {f: getattr(demand, f) for f in DEMAND_FIELDS} | {"version": demand.version} if demand else None
    form = DemandForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            services.demand_save(actor=user, demand=demand, version=version, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        except EditConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Figure saved."))
            return redirect("livelihoods:labour_market")
    return render(request, "livelihoods/demand_form.html", {"form": form, "demand": demand})


@login_required
@require_GET
def options(request: HttpRequest) -> HttpResponse:
    """The catalogue, with local demand and the stipend or wage beside every option."""
    user = require_member(request.user)
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")
    rows = selectors.opportunity_rows(
        user=user,
        kind=kind if kind in OpportunityKind.values else "",
        country=country[:2],
        isco=request.GET.get("isco", "")[:2],
    )
    labelled = [(row, geo.area_name(row.opportunity.area), isco.label(row.opportunity.isco)) for row in rows]
    return render(
        request,
        "livelihoods/options.html",
        {
            "rows": labelled,
            "kinds": OpportunityKind.choices,
            "kind": kind,
            "country": country,
            "editable": {
                r.opportunity.provider_id for r in rows if can_edit_opportunities_of(user, r.opportunity.provider_id)
            },
            "can_add": can_add_options(user),
            "can_audit": sees_programme_figures(user),
        },
    )


def _option_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Providers this user may write options for, and the employers that can be placement partners."""
    agencies = agency_list_for_user(user).filter(active=True).order_by("name")
    providers = [(a.pk, a.name) for a in agencies if can_edit_opportunities_of(user, a.pk)]
    employers = [(a.pk, a.name) for a in agencies if a.type in ("Employer", "CorporateBusiness")]
    return providers, employers


@login_required
@require_http_methods(["GET", "POST"])
def option_edit(request: HttpRequest, opportunity_id: int | None = None) -> HttpResponse:
    """Coordinators write the whole catalogue; a provider's supervisor writes its own options."""
    user = require_member(request.user)
    providers, employers = _option_choices(user)
    if not providers:
        raise PermissionDenied
    option = None
    initial = None
    if opportunity_id is not None:
        option = opportunity_get_for_user(user, opportunity_id=opportunity_id, for_edit=True)
        initial = values_of(option, OPTION_FIELDS) | {
            "provider": option.provider_id,
            "version": option.version,
            "placement_partners": list(option.placement_partners.values_list("pk", flat=True)),
        }
    form = OpportunityForm(request.POST or None, initial=initial, providers=providers, employers=employers)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        agencies = agency_list_for_user(user)  # the posted ids are among the form's choices, drawn from these
        values["provider"] = agencies.get(pk=values["provider"])
        values["placement_partners"] = list(agencies.filter(pk__in=values["placement_partners"]))
        if option is not None and values["provider"].pk != option.provider_id:
            form.add_error("provider", _("An option stays with its provider; add a new option instead."))
        else:
            try:
                services.opportunity_save(actor=user, opportunity=option, version=version, **values)
            except ValidationError as exc:
                form.add_error(None, exc)
            except EditConflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Option saved."))
                return redirect("livelihoods:options")
    return render(request, "livelihoods/option_form.html", {"form": form, "option": option})


@login_required
@require_GET
def programme_audit(request: HttpRequest) -> HttpResponse:
    """Gender restrictions with their justification, long unpaid courses, and what each option leads to."""
    audit = selectors.programme_audit(user=request.user)
    return render(
        request,
        "livelihoods/audit.html",
        {
            "restricted": audit["restricted"],
            "long_unpaid": audit["long_unpaid"],
            "outcomes": [(row, outcome, isco.label(row.opportunity.isco)) for row, outcome in audit["outcomes"]],
        },
    )


@login_required
@require_GET
def prediction_quality(request: HttpRequest) -> HttpResponse:
    """For M&E analysts: which method predicts success, on how many outcomes, and how well."""
    require_programme_viewer(request.user)
    current = prediction.predictor()
    options = {o.pk: o for o in Opportunity.objects.filter(pk__in=current.track.per_option)}
    track = sorted(
        (
            (options[pk], successes, outcomes, current.track.rate(pk))
            for pk, (successes, outcomes) in current.track.per_option.items()
        ),
        key=lambda row: -row[3],
    )
    return render(
        request,
        "livelihoods/prediction.html",
        {
            "current": current,
            "minimum": getattr(settings, "PREDICTION_MIN_OUTCOMES", 200),
            "track": track,
            "features": [prediction.FEATURE_LABELS[name] for name in FEATURES],
            "coefficients": [
                (prediction.FEATURE_LABELS[name], value)
                for name, value in (current.trained.coefficients.items() if current.trained else [])
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_allocation(request: HttpRequest) -> HttpResponse:
    """A supervisor's programme round: preview the optimal allocation beside the greedy one, then
    confirm to create offers (never enrolments: each person still accepts or declines)."""
    user = require_supervisor(request.user)
    people, options = allocation.candidates(user=user)
    form = AllocationForm(
        request.POST or None,
        people=[(c.pk, c.code) for c in people],
        options=[(o.pk, f"{o.title} · {o.provider.name}") for o in options],
        initial={"people": [c.pk for c in people], "options": [o.pk for o in options]},
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen_people = [c for c in people if c.pk in set(data["people"])]
        chosen_options = [o for o in options if o.pk in set(data["options"])]
        constraints = allocation.Constraints(
            women_min=None if data["women_min"] is None else data["women_min"] / 100,
            women_max=None if data["women_max"] is None else data["women_max"] / 100,
            min_assigned=data["min_assigned"],
            budget=None if data["budget"] is None else float(data["budget"]),
            min_total=data["min_total"] or 0,
        )
        try:
            result = allocation.preview(
                user=user, people=chosen_people, options=chosen_options, constraints=constraints
            )
            if request.POST.get("confirm"):
                grants = [
                    (case_get_for_user(user, code=case.code, for_edit=True), option)
                    for case, option, _score in result.optimal.pairs
                ]
                offers = allocation.cohort_offer(user=user, offers=grants)
                messages.success(request, _("%(n)s offers made. Each person accepts or declines.") % {"n": len(offers)})
                return redirect("livelihoods:enrolments")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "livelihoods/allocation.html", {"form": form, "result": result})
