"""The trivial endpoint (issue 15): `/healthz` answers from the server alone, touching no table.

A load balancer or a service manager asks it whether an app server is up; the web benchmark
(bench/web.py) loads it beside the pages, so each page's throughput is read against what the same
server does with no work (docs/benchmarks.md). It reads no session and no database: asked without a
session cookie it makes no query at all (tests/test_health.py). It says nothing of the database:
a server whose database is down still answers here, and its pages answer 503.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from reintegra.accounts.reads import shows_no_personal_data


@shows_no_personal_data
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
