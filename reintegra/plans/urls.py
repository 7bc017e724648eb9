from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_page, name="plan"),
    path("print/", views.plan_print, name="print"),
    path("priorities/", views.plan_action, {"action": "priorities"}, name="priorities"),
    path("start/", views.plan_action, {"action": "start"}, name="start"),
    path("details/", views.plan_action, {"action": "meta"}, name="meta"),
    path("goals/", views.plan_action, {"action": "goal"}, name="goal"),
    path("goals/<int:goal_id>/actions/", views.plan_action, {"action": "action"}, name="action"),
    path("actions/<int:action_id>/done/", views.plan_action, {"action": "action_done"}, name="action_done"),
    path("submit/", views.plan_action, {"action": "submit"}, name="submit"),
    path("approve/", views.plan_action, {"action": "approve"}, name="approve"),
    path("send-back/", views.plan_send_back, {"action": "send_back"}, name="send_back"),
    path("assessments/<int:assessment_id>/", views.assessment_page, name="assessment"),
    path("assessments/<int:assessment_id>/not-reached/", views.assessment_not_reached, name="assessment_not_reached"),
    path(
        "assessments/<int:assessment_id>/not-reached/<int:attempt_id>/remove/",
        views.assessment_attempt_remove,
        name="assessment_attempt_remove",
    ),
]
