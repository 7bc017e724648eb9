"""The insights pages: an index of the dashboards a reader may open, each dashboard with its
filters, and each figure's table as CSV. Aggregates only, small cells suppressed (decisions/0026)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reintegra.access import InsightsScope, insights_scope_for_user
from reintegra.accounts.reads import shows_no_personal_data
from reintegra.exchange.ctdc import DEFAULT_K as CTDC_K
from reintegra.lib import csvsafe

from .cubes import Cell, min_cell
from .dashboards import DASHBOARDS, Dashboard, figures_cached_minutes, figures_of
from .filters import FilterForm, Filters, filters_from


def dashboard_for(scope: InsightsScope, name: str) -> Dashboard:
    dashboard = DASHBOARDS.get(name)
    if dashboard is None:
        raise Http404
    if dashboard.supervisors_only and scope.whole_network:
        raise PermissionDenied
    return dashboard


def read_filters(
    scope: InsightsScope, params: Any, board: Dashboard | None = None
) -> tuple[FilterForm, Filters | None]:
    """The reader's filters from a query string; a supervisor's agency is always their own. The
    filters that cannot apply to the dashboard are disabled, so never taken."""
    form = FilterForm(params, scope=scope)
    for name in board.filters_not_applied if board is not None else ():
        form.fields[name].disabled = True
        form.fields[name].help_text = _("Does not apply here.")
    if not scope.whole_network:
        agency: Any = form.fields["agency"]
        choices = agency.choices
        form.fields["agency"].initial = choices[0][0] if choices else ""
    if not form.is_valid():
        return form, None
    return form, filters_from(form, scope)


@shows_no_personal_data
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = insights_scope_for_user(request.user)
    dashboards = [d for d in DASHBOARDS.values() if not (d.supervisors_only and scope.whole_network)]
    context = {
        "dashboards": dashboards,
        "k": min_cell(),
        "whole_network": scope.whole_network,  # the CTDC file is the whole network's (exchange/views.py)
        "ctdc_k": CTDC_K,
    }
    return render(request, "insights/index.html", context)


@shows_no_personal_data
@login_required
@require_GET
def dashboard(request: HttpRequest, name: str) -> HttpResponse:
    scope = insights_scope_for_user(request.user)
    board = dashboard_for(scope, name)
    form, filters = read_filters(scope, request.GET, board)
    shown = figures_of(board, filters) if filters is not None else None
    context = {
        "dashboard": board,
        "computed_at": shown.computed_at if shown is not None else None,
        "refreshing": shown is not None and shown.refreshing,
        "cache_minutes": figures_cached_minutes(board),
        "dashboards": [d for d in DASHBOARDS.values() if not (d.supervisors_only and scope.whole_network)],
        "form": form,
        "figures": shown.figures if shown is not None else [],
        "query": urlencode(filters.query_string()) if filters is not None else "",
        "k": min_cell(),
        "whole_network": scope.whole_network,
    }
    return render(request, "insights/dashboard.html", context, status=200 if filters is not None else 400)


@shows_no_personal_data
@login_required
@require_GET
def figure_csv(request: HttpRequest, name: str, figure: str) -> HttpResponse:
    scope = insights_scope_for_user(request.user)
    board = dashboard_for(scope, name)
    form, filters = read_filters(scope, request.GET, board)
    if filters is None:
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    found = next((f for f in figures_of(board, filters).figures if f.key == figure), None)
    if found is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{board.name}-{found.key}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read Thai as UTF-8
    writer = csvsafe.writer(response)  # no cell runs as a formula (an agency's name is typed by people)
    writer.writerow([found.table.row_header, *found.table.columns])
    for row in found.table.rows:
        writer.writerow([row.label, *(csv_value(cell) for cell in row.cells)])
    if not board.supervisors_only:  # the caseload's counts are exact (insights/caseload.py)
        writer.writerow([])
        writer.writerow(
            [
                _("Cells counting fewer than %(k)s people are suppressed, with cells that would give them back.")
                % {"k": min_cell()}
            ]
        )
    return response


def csv_value(cell: Cell) -> str:
    """A number as it is (a share as a fraction), a suppressed cell marked so, never as zero."""
    if cell.suppressed:
        return "suppressed"
    return "" if cell.value is None else str(cell.value)
