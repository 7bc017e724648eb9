"""The tasks of income follow-ups scheduled before titles were kept as phrases get their phrase, so
they too are shown in each reader's language (their stored title was written in the scheduler's)."""

from django.db import migrations

FOLLOW_UP_TASK = (
    "Income follow-up, %(months)s month after %(option)s",
    "Income follow-up, %(months)s months after %(option)s",
)


def titles_as_phrases(apps, schema_editor):
    IncomeFollowUp = apps.get_model("livelihoods", "IncomeFollowUp")
    Task = apps.get_model("cases", "Task")
    rows = IncomeFollowUp.objects.filter(task__isnull=False).values_list(
        "task_id", "months", "enrolment__opportunity__title"
    )
    for task_id, months, option in rows:
        params = {"months": months, "option": option, "_plural": {"msgid": FOLLOW_UP_TASK[1], "count": "months"}}
        Task.objects.filter(pk=task_id, title_phrase="").update(title_phrase=FOLLOW_UP_TASK[0], title_params=params)


class Migration(migrations.Migration):
    dependencies = [
        ("livelihoods", "0006_labour_market_rules"),
        ("cases", "0006_task_title_phrase"),
    ]

    operations = [migrations.RunPython(titles_as_phrases, migrations.RunPython.noop)]
