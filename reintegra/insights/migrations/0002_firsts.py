"""Each row's `firsts` bits (insights/models.Firsts), set for the rows already there. The statements are
those of insights/facts.mark_firsts as of this migration, kept here so that it always does the same."""

from django.db import migrations, models

EARNING = "monthly_income > 0 AND currency <> ''"
GROUPS = [
    ("insights_outcomefacts", "follow_up_id", 1, "kind, months, working", ""),
    ("insights_outcomefacts", "follow_up_id", 2, "provider_id, months, working", ""),
    ("insights_outcomefacts", "follow_up_id", 4, "paid, months, working", ""),
    ("insights_outcomefacts", "follow_up_id", 8, "kind, currency, months", EARNING),
    ("insights_outcomefacts", "follow_up_id", 16, "provider_id, currency, months", EARNING),
    ("insights_outcomefacts", "follow_up_id", 32, "paid, currency, months", EARNING),
    ("insights_enrolmentfacts", "enrolment_id", 1, "kind, paid, left", ""),
    ("insights_assessmentfacts", "assessment_id", 1, "since", ""),
]


def mark(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for table, pk, bit, columns, condition in GROUPS:
            partition = ", ".join(["case_id", *(quote(c.strip()) for c in columns.split(","))])
            within = f" WHERE {condition}" if condition else ""
            cursor.execute(
                f"UPDATE {table} SET firsts = firsts | {bit} WHERE {pk} IN (SELECT {pk} FROM (SELECT {pk}, "  # noqa: S608
                f"ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {pk}) AS r FROM {table}{within}) ranked "
                "WHERE r = 1)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_summary_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentfacts",
            name="firsts",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="enrolmentfacts",
            name="firsts",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="outcomefacts",
            name="firsts",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
