from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/", views.dashboard, name="dashboard"),
    path("<slug:name>/<slug:figure>.csv", views.figure_csv, name="figure_csv"),
]
