from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("<int:transfer_id>/", views.transfer_detail, name="detail"),
    path("<int:transfer_id>/<slug:action>/", views.transfer_action, name="action"),
    path("propose/<str:code>/", views.transfer_propose, name="propose"),
    path("assign/<str:code>/", views.case_assign, name="assign"),
]
