"""The index of an agency's open tasks is in the lists' order (due day, then key) and holds whose the
task's case is (migration 0021)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_task_case_agency"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="task_open_due",
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)),
                fields=["agency", "due_on", "id", "assignee", "case", "case_agency"],
                name="task_open_due",
            ),
        ),
    ]
