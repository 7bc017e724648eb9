"""The exchange pages: the CTDC de-identified statistics as a download for those who read the
whole network's insights (M&E analysts, network coordinators)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reintegra.access import insights_scope_for_user
from reintegra.accounts.reads import shows_no_personal_data

from . import ctdc

# The page never releases with a smaller k than CTDC's own releases (the command may, deliberately).
MAX_K = 1000


@shows_no_personal_data
@login_required
@require_GET
def ctdc_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """`/insights/ctdc.csv[?k=N]`: the k-anonymous CTDC file of the whole network, audited as an export."""
    scope = insights_scope_for_user(request.user)
    if not scope.whole_network:  # a supervisor reads their agency's figures only; this file is the network's
        raise PermissionDenied
    raw = request.GET.get("k", "").strip() or str(ctdc.DEFAULT_K)
    if not raw.isdigit() or not ctdc.DEFAULT_K <= int(raw) <= MAX_K:
        message = _("k: give a whole number from %(low)s to %(high)s.") % {"low": ctdc.DEFAULT_K, "high": MAX_K}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    result = ctdc.export(k=int(raw), actor=scope.user)
    response = StreamingHttpResponse(ctdc.csv_lines(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ctdc.csv"'
    response["X-Records"] = str(len(result.rows))
    response["X-Generalised"] = str(result.generalised)
    response["X-Suppressed"] = str(result.suppressed)
    return response
