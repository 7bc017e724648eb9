from django.urls import path

from . import case_views, views

app_name = "livelihoods"
urlpatterns = [
    path("options/", views.options, name="options"),
    path("options/new/", views.option_edit, name="option_create"),
    path("options/<int:opportunity_id>/", views.option_edit, name="option_edit"),
    path("audit/", views.programme_audit, name="audit"),
    path("audit.csv", views.programme_audit, {"fmt": "csv"}, name="audit_csv"),
    path("prediction/", views.prediction_quality, name="prediction"),
    path("allocation/", views.cohort_allocation, name="allocation"),
    path("allocation/confirm/", views.allocation_confirm, name="allocation_confirm"),
    path("allocation/rounds/<int:round_id>/", views.allocation_round, name="allocation_round"),
    path("allocation/rounds/<int:round_id>/withdraw/", views.allocation_round_withdraw, name="allocation_withdraw"),
    path("labour-market/", views.labour_market, name="labour_market"),
    path("labour-market/import/", views.labour_market_import, name="labour_market_import"),
    path("labour-market/new/", views.demand_edit, name="demand_create"),
    path("labour-market/<int:demand_id>/", views.demand_edit, name="demand_edit"),
    path("enrolments/", case_views.enrolment_list, name="enrolments"),
    path("enrolments/<int:enrolment_id>/", case_views.enrolment_detail, name="enrolment"),
    path("enrolments/<int:enrolment_id>/status/", case_views.enrolment_move_post, name="enrolment_move"),
    path("enrolments/<int:enrolment_id>/stipends/", case_views.stipend_post, name="stipend"),
    path("enrolments/<int:enrolment_id>/placement/", case_views.placement_post, name="placement"),
    path("enrolments/<int:enrolment_id>/follow-ups/<int:follow_up_id>/", case_views.follow_up_post, name="follow_up"),
    path(
        "enrolments/<int:enrolment_id>/follow-ups/<int:follow_up_id>/not-reached/",
        case_views.follow_up_not_reached_post,
        name="follow_up_not_reached",
    ),
    path(
        "enrolments/<int:enrolment_id>/follow-ups/<int:follow_up_id>/not-reached/<int:attempt_id>/remove/",
        case_views.follow_up_attempt_remove_post,
        name="follow_up_attempt_remove",
    ),
    path("referrals/<int:referral_id>/enrol/", case_views.referral_enrol_post, name="referral_enrol"),
    path("case/<str:code>/", case_views.case_livelihood, name="case"),
    path("case/<str:code>/profile/", case_views.profile_post, name="profile"),
    path("case/<str:code>/recommend/", case_views.recommend_post, name="recommend"),
]
