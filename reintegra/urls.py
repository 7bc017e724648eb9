from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from reintegra.accounts import api as accounts_api
from reintegra.accounts import views as accounts_views
from reintegra.cases import api as cases_api
from reintegra.exchange import views as exchange_views
from reintegra.feedback import api as feedback_api
from reintegra.feedback import views as feedback_views
from reintegra.home import health
from reintegra.home import views as home_views
from reintegra.insights import api as insights_api
from reintegra.livelihoods import api as livelihoods_api
from reintegra.livelihoods import case_api as livelihood_case_api
from reintegra.network import api as network_api
from reintegra.notifications import api as notifications_api
from reintegra.plans import api as plans_api
from reintegra.referrals import api as referrals_api
from reintegra.transfers import api as transfers_api

router = DefaultRouter()
# The API speaks JSON only: no `.json` twin of each route (`/api/v1/cases/X.json`), which no client
# uses and several actions did not accept (a 500 for `timeline.json`; tests/test_route_matrix.py).
router.include_format_suffixes = False
router.register("labour-market", livelihoods_api.LabourMarketViewSet, basename="labour-market")
router.register("agencies", network_api.AgencyViewSet, basename="agency")
router.register("services", network_api.ServiceViewSet, basename="service")
router.register("cases", cases_api.CaseViewSet, basename="case")
router.register("consents", cases_api.ConsentViewSet, basename="consent")
router.register("tasks", cases_api.TaskViewSet, basename="task")
router.register("referrals", referrals_api.ReferralViewSet, basename="referral")
router.register("transfers", transfers_api.TransferViewSet, basename="transfer")
router.register("priorities", plans_api.PriorityViewSet, basename="priority")
router.register("plans", plans_api.PlanViewSet, basename="plan")
router.register("assessments", plans_api.AssessmentViewSet, basename="assessment")
router.register("skills", livelihood_case_api.SkillsViewSet, basename="skills")
router.register("enrolments", livelihood_case_api.EnrolmentViewSet, basename="enrolment")
router.register("follow-ups", livelihood_case_api.FollowUpViewSet, basename="follow-up")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", accounts_api.token_obtain, name="token"),
    path("auth/logout/", accounts_api.token_logout, name="token-logout"),
    path("auth/tokens/", accounts_api.token_list, name="tokens"),
    path("auth/tokens/<int:pk>/", accounts_api.token_revoke, name="token-revoke"),
    path("coverage/", network_api.coverage, name="coverage"),
    *(path(f"insights/{name}/", view, name=f"insights-{name}") for name, view in insights_api.VIEWS.items()),
    path("insights/programme-audit/", livelihoods_api.programme_audit, name="insights-programme-audit"),
    path("feedback-links/", feedback_api.feedback_links, name="feedback-links"),
    path("opportunities/", livelihoods_api.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", livelihoods_api.opportunity_detail, name="opportunity"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("today/tasks/<int:task_id>/done/", home_views.home_task_done, name="home_task_done"),
    # The trivial endpoint (issue 15): no session, no table; for load balancers and the web benchmark.
    path("healthz", health.healthz, name="healthz"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", accounts_views.staff, name="staff"),
    path("staff/<int:user_id>/active/", accounts_views.staff_set_active, name="staff_set_active"),
    path("staff/<int:user_id>/tokens/", accounts_views.staff_tokens, name="staff_tokens"),
    path("account/preferences/", accounts_views.preferences, name="preferences"),
    path("account/password/", accounts_views.password_change, name="password_change"),
    path("login/code/", accounts_views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", accounts_views.two_factor_page, name="two_factor"),
    path("account/two-factor/set-up/", accounts_views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/set-up/qr.svg", accounts_views.two_factor_qr, name="two_factor_qr"),
    path("account/two-factor/off/", accounts_views.two_factor_disable, name="two_factor_disable"),
    path(
        "account/two-factor/recovery-codes/",
        accounts_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("account/tokens/", accounts_views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", accounts_views.api_token_revoke, name="api_token_revoke"),
    path("exit/", accounts_views.exit_page, name="exit"),
    path("exit/now/", accounts_views.quick_exit, name="quick_exit"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("network/", include("reintegra.network.urls")),
    # The CTDC de-identified statistics (issue 14): a download beside the insights, for their readers.
    path("insights/ctdc.csv", exchange_views.ctdc_csv, name="ctdc_csv"),
    path("insights/ctdc/", exchange_views.ctdc_export, name="ctdc_export"),
    path("insights/ctdc/jobs/<int:job_id>/", exchange_views.ctdc_job, name="ctdc_job"),
    path("insights/ctdc/jobs/<int:job_id>/progress/", exchange_views.ctdc_job_progress, name="ctdc_job_progress"),
    path("insights/ctdc/jobs/<int:job_id>/download/", exchange_views.ctdc_job_download, name="ctdc_job_download"),
    path("insights/", include("reintegra.insights.urls")),
    # HTCDS v2.0 import and export pages for an agency's supervisors (issue 14).
    path("exchange/", include("reintegra.exchange.urls")),
    path("cases/<str:code>/plan/", include("reintegra.plans.urls")),
    path("cases/", include("reintegra.cases.urls")),
    path("referrals/", include("reintegra.referrals.urls")),
    path("transfers/", include("reintegra.transfers.urls")),
    path("notifications/", include("reintegra.notifications.urls")),
    # The returnee's feedback (issue 16): the caseworker's link, and the form at /f/ with no sign-in.
    path("feedback/links/new/", feedback_views.link_new, name="feedback_link_new"),
    path("f/", include("reintegra.feedback.urls")),
    path("livelihoods/", include("reintegra.livelihoods.urls")),
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("admin/", admin.site.urls),
]

# An address under /api/ that matches no route answers in the API's error shape (reintegra/api.py).
handler404 = "reintegra.api.not_found"
# The database out of reach answers 503, clearly, in the API's shape or as a page (reintegra/api.py).
handler500 = "reintegra.api.server_error"
