import uuid
from collections import Counter
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import (
    agency_list_for_user,
    allocation_round_get_for_user,
    allocation_round_list_for_user,
    can_add_options,
    can_edit_opportunities_of,
    can_manage_network,
    case_get_for_user,
    enrolment_grants_for_user,
    labour_market_get_for_user,
    opportunity_get_for_user,
    require_member,
    require_programme_viewer,
    require_supervisor,
    sees_programme_figures,
)
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_nothing_shown, note_read, shows_no_personal_data, shows_personal_data
from reintegra.insights import feedback as insights_feedback
from reintegra.insights.cubes import Table
from reintegra.lib import csvsafe, geo
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.http import form_add_refusal
from reintegra.matching.prediction import FEATURES
from reintegra.network.selectors import countries_in_network

from . import allocation, isco, prediction, scorecard, selectors, services
from .choices import EnrolmentStatus
from .forms import AllocationForm, DemandForm, FilterForm, ImportForm, OpportunityForm, WithdrawForm, scorecard_form_for
from .models import DEMAND_FIELDS, OPTION_FIELDS, Opportunity, OpportunityKind, values_of
from .workflows import ENROLMENT, parties_of

MAX_UPLOAD = 5 * 1024 * 1024


def _labour_market_page(request: HttpRequest, user: User, import_form: ImportForm | None = None) -> HttpResponse:
    """The figures, filtered; `import_form` is a refused import shown again with its errors (400)."""
    form = FilterForm(request.GET or None, countries=countries_in_network(user=user))
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
            "import_form": (import_form or ImportForm(auto_id="import-%s")) if can_edit else None,
            "failed_form": import_form,
        },
        status=400 if import_form is not None else 200,
    )


@shows_no_personal_data
@login_required
@require_GET
def labour_market(request: HttpRequest) -> HttpResponse:
    return _labour_market_page(request, require_member(request.user))


@shows_no_personal_data
@login_required
@require_POST
def labour_market_import(request: HttpRequest) -> HttpResponse:
    user = require_member(request.user)
    if not can_manage_network(user):
        raise PermissionDenied
    # A refused file comes back as an error of the form, on the page (a browser cannot be given the
    # file again; what it held is named in the errors).
    form = ImportForm(request.POST, request.FILES, auto_id="import-%s")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD:
            form.add_error("file", _("The file is too large (over 5 MB); split it."))
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                result = services.labour_market_import(actor=user, text=text)
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text; save it as “CSV UTF-8”."))
            except ValidationError as exc:
                form.add_error("file", [_("The file was refused; nothing was saved."), *exc.messages])
            else:
                messages.success(
                    request,
                    _("Imported: %(created)s new figures, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("livelihoods:labour_market")
    return _labour_market_page(request, user, import_form=form)


@shows_no_personal_data
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
    form = DemandForm(request.POST or None, initial=initial, countries=countries_in_network(user=user))
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            services.demand_save(actor=user, demand=demand, version=version, **values)
        except (ValidationError, EditConflict) as exc:
            form_add_refusal(form, exc)
        else:
            messages.success(request, _("Figure saved."))
            return redirect("livelihoods:labour_market")
    return render(request, "livelihoods/demand_form.html", {"form": form, "demand": demand})


@shows_no_personal_data
@login_required
@require_GET
def options(request: HttpRequest) -> HttpResponse:
    """The catalogue, with local demand and the stipend or wage beside every option."""
    user = require_member(request.user)
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")[:2].upper()
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
            "countries": [(c, geo.country_name(c)) for c in countries_in_network(user=user)],
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


@shows_no_personal_data
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
    provider_ids = [pk for pk, _name in providers]
    countries = sorted(set(agency_list_for_user(user).filter(pk__in=provider_ids).values_list("country", flat=True)))
    form = OpportunityForm(
        request.POST or None, initial=initial, providers=providers, employers=employers, countries=countries
    )
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
            except (ValidationError, EditConflict) as exc:
                form_add_refusal(form, exc)
            else:
                messages.success(request, _("Option saved."))
                return redirect("livelihoods:options")
    return render(request, "livelihoods/option_form.html", {"form": form, "option": option})


@shows_no_personal_data
@login_required
@require_GET
def programme_audit(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    """The programme scorecard: the four failures as flagged indicators for a provider, an area and
    a period, in total, per provider and per area; as a page or a CSV file. Figures only."""
    user = require_programme_viewer(request.user)
    form = scorecard_form_for(user, request.GET or None)
    if form.is_bound and not form.is_valid():
        if fmt == "csv":
            problems = "; ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
            )
            return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
        return render(request, "livelihoods/audit.html", {"form": form, "invalid": True}, status=400)
    audit = selectors.programme_audit(user=user, scope=form.scope)
    # The returnees' own feedback on the trainings and placements in scope (issue 16), suppressed below
    # k: one table for the page and the file.
    feedback_table = insights_feedback.programme_feedback(form.scope)
    if fmt == "csv":
        return _programme_audit_csv(audit["card"], feedback_table)
    return render(
        request,
        "livelihoods/audit.html",
        {
            "form": form,
            "card": audit["card"],
            "restricted": audit["restricted"],
            "long_unpaid": audit["long_unpaid"],
            "query": request.GET.urlencode(),
            "min_cell": settings.INSIGHTS_MIN_CELL,
            "columns": [(s.key, s.label) for s in scorecard.SPECS.values()],
            "feedback_table": feedback_table,
            "feedback_no_area": insights_feedback.no_area_note() if form.scope.area else "",
            "tables": [
                (_("By provider"), "by-provider", _("Provider"), audit["card"].providers),
                (_("By area of the option"), "by-area", _("Area"), audit["card"].areas),
            ],
        },
    )


def _programme_audit_csv(card: scorecard.Scorecard, feedback: Table) -> HttpResponse:
    """The scorecard as the page shows it, one row per indicator: in total, then per provider and
    per area, then the returnees' feedback (failure "feedback"); a suppressed figure is empty and
    marked, never a person."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programme-audit.csv"'
    response.write("\ufeff")  # so spreadsheet programs read Thai and Filipino names as UTF-8
    csvsafe.writer(response).writerows(selectors.scorecard_csv(card, feedback))
    return response


@shows_no_personal_data
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


# Previews waiting for confirmation, in the session: token → the form as posted and the offers it
# proposes. Confirming makes exactly those offers; a few are kept (one per browser tab, say).
PREVIEWS = "allocation_previews"
KEPT_PREVIEWS = 5


def _previews(request: HttpRequest) -> dict[str, Any]:
    stored = request.session.get(PREVIEWS)
    return stored if isinstance(stored, dict) else {}


def _keep_preview(request: HttpRequest, token: str, preview: dict[str, Any]) -> None:
    previews = _previews(request)
    previews[token] = preview
    request.session[PREVIEWS] = dict(list(previews.items())[-KEPT_PREVIEWS:])


def _without_csrf(data: QueryDict) -> QueryDict:
    kept = data.copy()
    kept.pop("csrfmiddlewaretoken", None)
    return kept


def _token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _audit_shown(user: User, codes: list[str], via: str) -> None:
    """The selection shows each person's areas, wishes and need for income: an audited read."""
    if not codes:
        note_nothing_shown()
    else:
        note_read(
            actor=user,
            object_type="cases.case",
            categories=["livelihood"],
            details={"codes": codes, "via": via},
        )


@shows_personal_data("cases.case")
@login_required
@require_http_methods(["GET", "POST"])
def cohort_allocation(request: HttpRequest) -> HttpResponse:
    """A supervisor's programme round: choose people (those still looking are chosen by default) and
    options, the rules on wishes and the mode; preview the optimal allocation beside the chosen mode,
    the stable and the greedy ones, with the trade-off curve; then go on to confirm. Nothing is offered
    here; `allocation_confirm` asks once, with the numbers, and makes the offers (one per option of a
    menu: each holds a seat)."""
    user = require_supervisor(request.user)
    selection = allocation.candidates(user=user)
    people, options = selection.people, selection.options
    data: QueryDict | None = request.POST if request.method == "POST" else None
    back = _previews(request).get(request.GET.get("preview", ""))
    if data is None and back is not None:  # "Back" from the confirmation: the same preview again
        data = QueryDict(back["form"])
    selectable = [c for c in people if c.selectable]
    initial: dict[str, Any] = {
        "people": [c.case.pk for c in people if c.by_default],
        "options": [o.pk for o in options],
    }
    if (mode := request.GET.get("mode", "")) in {m.value for m in allocation.Mode}:  # the weekly notice: "week"
        initial["mode"] = mode
    form = AllocationForm(
        data,
        people=[(c.case.pk, c.case.code) for c in selectable],
        options=[(o.pk, f"{o.title} · {o.provider.display_name}") for o in options],
        initial=initial,
    )
    result, token = None, None
    if data is not None and form.is_valid():
        values = form.cleaned_data
        chosen_people = [c.case for c in selectable if c.case.pk in set(values["people"])]
        chosen_options = [o for o in options if o.pk in set(values["options"])]
        constraints = allocation.Constraints(
            women_min=None if values["women_min"] is None else values["women_min"] / 100,
            women_max=None if values["women_max"] is None else values["women_max"] / 100,
            min_assigned=values["min_assigned"],
            budget=None if values["budget"] is None else float(values["budget"]),
            min_total=values["min_total"] or 0,
            top_k=values["top_k"],
            min_top3_share=None if values["min_top3_share"] is None else values["min_top3_share"] / 100,
            mode=values["mode"] or allocation.Mode.OPTIMAL,
            max_wait_weeks=values["max_wait_weeks"] or allocation.MAX_WAIT_WEEKS,
        )
        try:
            result = allocation.preview(
                user=user, people=chosen_people, options=chosen_options, constraints=constraints
            )
        except ValidationError as exc:
            form_add_refusal(form, exc)
        else:
            token = str(uuid.uuid4())
            _keep_preview(
                request,
                token,
                {
                    "form": _without_csrf(data).urlencode(),
                    "pairs": [[case.pk, option.pk] for case, option in result.offered.offers],
                    "constraints": asdict(constraints),
                },
            )
    chosen = {str(v) for v in (form["people"].value() or [])}
    # People without a profile are counted, not listed: there is nothing to choose them on.
    shown = [c for c in people if c.profile is not None]
    _audit_shown(user, [c.case.code for c in shown], via="allocation")
    return render(
        request,
        "livelihoods/allocation.html",
        {
            "form": form,
            "result": result,
            "token": token,
            "looking": [(c, str(c.case.pk) in chosen) for c in people if c.by_default],
            "others": [(c, str(c.case.pk) in chosen) for c in shown if not c.by_default],
            "others_chosen": any(str(c.case.pk) in chosen for c in shown if not c.by_default),
            "without_profile": len(people) - len(shown),
            "complete": selection.complete,
            "read": len(people),
            "rounds": allocation_round_list_for_user(user).select_related("made_by")[:5],
        },
    )


@shows_personal_data("cases.case")
@login_required
@require_POST
def allocation_confirm(request: HttpRequest) -> HttpResponse:
    """Asks once, with the numbers ("Make 42 offers to 42 people across 7 options?"); posted again
    with `confirm`, makes exactly those offers. A preview confirmed already (a reload, a second click)
    leads to the offers made, and makes none."""
    user = require_supervisor(request.user)
    token = _token(request.POST.get("token"))
    if token is None:
        return HttpResponseBadRequest(_("This confirmation does not name a preview; preview the allocation again."))
    made = allocation_round_list_for_user(user).filter(token=token).first()
    if made is not None:
        messages.info(request, _("These offers were made already; nothing more was offered."))
        return redirect("livelihoods:allocation_round", round_id=made.pk)
    stored = _previews(request).get(str(token))
    if stored is None:
        messages.error(request, _("This preview is no longer kept; preview the allocation again."))
        return redirect("livelihoods:allocation")
    pairs = [(int(case_id), int(option_id)) for case_id, option_id in stored["pairs"]]
    offers, people, option_count = allocation.offer_counts(pairs)
    selection = allocation.candidates(user=user, among={case_id for case_id, _option in pairs})
    candidates, options = selection.people, selection.options
    titles = {o.pk: o for o in options}
    per_option = Counter(option_id for _case, option_id in pairs)
    context: dict[str, Any] = {
        "token": token,
        "offers": offers,
        "people": people,
        "options": option_count,
        "per_option": [(titles[pk], n) for pk, n in per_option.most_common() if pk in titles],
        "menus": offers > people,
        "errors": [],
    }
    if request.POST.get("confirm") == "1":
        known = {c.case.pk: c for c in candidates}
        cases = {pk: c.case for pk, c in known.items() if c.selectable}
        changed = [f"{known[pk].case.code}: {known[pk].why}" for pk, _o in pairs if pk in known and pk not in cases]
        if any(pk not in known for pk, _o in pairs) or any(o not in titles for _pk, o in pairs):
            changed.append(_("A person or an option of this preview is no longer open."))
        if changed:
            context["errors"] = [*changed, _("Nothing was offered: preview the allocation again.")]
        else:
            grants = [(case_get_for_user(user, code=cases[pk].code, for_edit=True), titles[o]) for pk, o in pairs]
            try:
                round_, _new = allocation.cohort_offer(
                    user=user, token=token, offers=grants, constraints=stored["constraints"]
                )
            except ValidationError as exc:
                context["errors"] = exc.messages
            else:
                previews = _previews(request)
                previews.pop(str(token), None)
                request.session[PREVIEWS] = previews
                messages.success(
                    request,
                    ngettext(
                        "%(n)s offer made. Each person accepts or declines; until then you may withdraw it.",
                        "%(n)s offers made. Each person accepts or declines; until then you may withdraw them.",
                        offers,
                    )
                    % {"n": offers},
                )
                return redirect("livelihoods:allocation_round", round_id=round_.pk)
    return render(request, "livelihoods/allocation_confirm.html", context, status=400 if context["errors"] else 200)


def _round_page(request: HttpRequest, user: User, round_id: int, form: WithdrawForm | None = None) -> HttpResponse:
    round_ = allocation_round_get_for_user(user, round_id=round_id)
    offers = list(
        round_.offers.select_related(
            "case", "case__returnee", "case__agency", "opportunity", "opportunity__provider"
        ).order_by("case__code")
    )
    grants = enrolment_grants_for_user(user, offers)
    withdrawable = {
        e.pk
        for e in offers
        if any(m.target == EnrolmentStatus.WITHDRAWN for m in ENROLMENT.allowed(e.status, parties_of(grants[e.pk])))
    }
    _audit_shown(user, [e.case.code for e in offers], via="allocation round")
    status = Counter(e.get_status_display() for e in offers)
    return render(
        request,
        "livelihoods/allocation_round.html",
        {
            "round": round_,
            "offers": [(e, e.pk in withdrawable) for e in offers],
            "waiting": len(withdrawable),
            "by_status": sorted(status.items()),
            "options": len({e.opportunity_id for e in offers}),
            "form": form or WithdrawForm(),
            "failed_offer": form.data.get("offer") if form is not None else None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@shows_personal_data("livelihoods.allocationround")
@login_required
@require_GET
def allocation_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """The offers one confirmed allocation made, where each stands, and withdrawal of those not answered."""
    return _round_page(request, require_supervisor(request.user), round_id)


@shows_personal_data("livelihoods.allocationround")
@login_required
@require_POST
def allocation_round_withdraw(request: HttpRequest, round_id: int) -> HttpResponse:
    """Withdraws one offer of the round (`offer`) or every offer not yet answered, with a reason."""
    user = require_supervisor(request.user)
    round_ = allocation_round_get_for_user(user, round_id=round_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        offers = round_.offers.filter(status=EnrolmentStatus.OFFERED).select_related("case", "opportunity")
        if form.cleaned_data["offer"] is not None:
            offers = offers.filter(pk=form.cleaned_data["offer"])
        grants = enrolment_grants_for_user(user, offers)
        try:
            n = allocation.offers_withdraw(user=user, offers=list(grants.values()), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_add_refusal(form, exc)
        else:
            messages.success(request, ngettext("%(n)s offer withdrawn.", "%(n)s offers withdrawn.", n) % {"n": n})
            return redirect("livelihoods:allocation_round", round_id=round_.pk)
    return _round_page(request, user, round_id, form)
