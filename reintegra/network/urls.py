from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("areas/", views.area_options, name="area_options"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<slug:slug>/", views.agency_detail, name="agency"),
    path("agencies/<slug:slug>/edit/", views.agency_edit, name="agency_edit"),
    path("agencies/<slug:slug>/services/new/", views.service_create, name="service_create"),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("services/<int:service_id>/edit/", views.service_edit, name="service_edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage.csv", views.coverage, {"fmt": "csv"}, name="coverage_csv"),
    path("coverage.json", views.coverage, {"fmt": "json"}, name="coverage_json"),
]
