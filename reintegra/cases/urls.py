from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("search/", views.case_search, name="search"),
    path("new/", views.case_intake, name="intake"),
    path("tasks/", views.task_list, name="tasks"),
    path("home-areas/", views.home_area_options, name="home_area_options"),
    path("<str:code>/", views.case_detail, name="detail"),
    path("<str:code>/edit/", views.case_edit, name="edit"),
    path("<str:code>/reveal/", views.case_reveal, name="reveal"),
    path("<str:code>/photo/", views.case_photo, name="photo"),
    path("<str:code>/photo/upload/", views.case_photo_upload, name="photo_upload"),
    path("<str:code>/stage/", views.case_action, {"action": "stage"}, name="stage"),
    path("<str:code>/history/", views.case_action, {"action": "history"}, name="history"),
    path("<str:code>/return/", views.case_action, {"action": "return"}, name="return"),
    path("<str:code>/consents/", views.case_action, {"action": "consent"}, name="consent"),
    path(
        "<str:code>/consents/<int:consent_id>/withdraw/",
        views.case_action,
        {"action": "consent_withdraw"},
        name="consent_withdraw",
    ),
    path("<str:code>/notes/", views.case_action, {"action": "note"}, name="note"),
    path("<str:code>/tasks/", views.case_action, {"action": "task"}, name="task"),
    path("<str:code>/tasks/<int:task_id>/done/", views.case_action, {"action": "task_done"}, name="task_done"),
    path("<str:code>/closure/", views.case_action, {"action": "closure"}, name="closure"),
    path("<str:code>/closure/decision/", views.case_action, {"action": "closure_decide"}, name="closure_decide"),
    path("<str:code>/remigration/", views.case_action, {"action": "remigration"}, name="remigration"),
    path(
        "<str:code>/lost-contact/close/", views.case_action, {"action": "lost_contact_close"}, name="lost_contact_close"
    ),
    path(
        "<str:code>/lost-contact/dismiss/",
        views.case_action,
        {"action": "lost_contact_dismiss"},
        name="lost_contact_dismiss",
    ),
    path("<str:code>/reopen/", views.case_action, {"action": "reopen"}, name="reopen"),
    path("<str:code>/erasure/", views.case_action, {"action": "erasure"}, name="erasure"),
    path("<str:code>/erasure/decision/", views.case_action, {"action": "erasure_decide"}, name="erasure_decide"),
]
