from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_page, name="plan"),
    path("print/", views.plan_print, name="print"),
    path("priorities/", views.priorities_post, name="priorities"),
    path("start/", views.plan_start_post, name="start"),
    path("details/", views.plan_meta_post, name="meta"),
    path("goals/", views.goal_post, name="goal"),
    path("goals/<int:goal_id>/actions/", views.action_post, name="action"),
    path("actions/<int:action_id>/done/", views.action_done_post, name="action_done"),
    path("submit/", views.plan_submit_post, name="submit"),
    path("approve/", views.plan_approve_post, name="approve"),
    path("assessments/<int:assessment_id>/", views.assessment_page, name="assessment"),
]
