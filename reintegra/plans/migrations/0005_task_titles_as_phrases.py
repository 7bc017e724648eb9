"""The tasks of assessments scheduled before titles were kept as phrases get their phrase, so they
too are shown in each reader's language (their stored title was written in the scheduler's)."""

from django.db import migrations

ASSESSMENT_TASK = "Reintegration assessment: %(when)s"


def titles_as_phrases(apps, schema_editor):
    Assessment = apps.get_model("plans", "Assessment")
    Task = apps.get_model("cases", "Task")
    for task_id, point in Assessment.objects.filter(task__isnull=False).values_list("task_id", "point"):
        Task.objects.filter(pk=task_id, title_phrase="").update(
            title_phrase=ASSESSMENT_TASK, title_params={"when": {"vocabulary": "assessment_point", "code": point}}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_ranking_message"),
        ("cases", "0006_task_title_phrase"),
    ]

    operations = [migrations.RunPython(titles_as_phrases, migrations.RunPython.noop)]
