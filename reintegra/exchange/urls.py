from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/jobs/<int:job_id>/", views.import_job, name="job"),
    path("import/jobs/<int:job_id>/progress/", views.import_job_progress, name="job_progress"),
    path("import/jobs/<int:job_id>/confirm/", views.import_job_confirm, name="job_confirm"),
    path("import/jobs/<int:job_id>/discard/", views.import_job_discard, name="job_discard"),
    path("export/", views.export_page, name="export"),
]
