from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.start, name="start"),
    path("<str:token>/", views.answer, name="answer"),
]
