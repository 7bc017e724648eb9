"""The case list at national scale (issue 15): an agency's cases newest first, all or by stage, read by
an index in that order; and a case code searched by any part of it read by a trigram index on
PostgreSQL (SQLite reads its small table whole). At a million cases a search of one agency's codes
read its 233,334 rows (0.36 s)."""

from django.conf import settings
from django.db import migrations, models


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: the database's owner may create it without being a superuser.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The very expression `code__icontains` asks: UPPER("code"::text) LIKE UPPER('%…%').
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_code_trigram ON cases_case USING gin ((UPPER(code::text)) gin_trgm_ops)"
    )


def no_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_code_trigram")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_closure_reasons"),
        ("network", "0005_agency_names_unique_in_country"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="cases_case_agency__20fc8d_idx"),
        migrations.AddIndex(
            model_name="case", index=models.Index(fields=["agency", "-opened_at", "-id"], name="case_agency_opened")
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["agency", "stage", "-opened_at", "-id"], name="case_agency_stage_opened"),
        ),
        migrations.RunPython(trigram_index, no_trigram_index, elidable=False),
    ]
