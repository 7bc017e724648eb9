"""Synthetic summary rows for the insights benchmark: `python -m bench.insights --facts-only --cases N`.

Fills the insights summary tables (reintegra/insights/models.py) of a PostgreSQL database straight
with N returned people, in a few set-based INSERT … SELECT over generate_series, in a minute or two
for a million: the rows the dashboards that read only summary tables (returns, voice of returnees,
outcomes) count. Not the records behind them (no case, no ranking, no enrolment): it times the
dashboards' reads at a scale the demo cannot load in the time at hand, not `insights rebuild`. The
network and caseload dashboards read the records and are not timed on these rows.

Per person, as a programme of that size might look (seeded, so every fill is the same): six
countries of citizenship, 40 home areas, every agency of the demo network, the six genders weighted
to women and men, five age groups and unknown; returns spread over four years; 85% ranked their
priorities (income first for a third); 30% enrolled on an option, followed up at 1, 3, 6 and 12
months; two sustainability assessments each; half with a debt.
"""

from __future__ import annotations

import sys
import time

from bench import harness

SQL = [
    "SELECT setseed(0.15)",
    # People: one row each (the case number is the series' number).
    """
    INSERT INTO insights_casefacts (case_id, agency_id, country, area, gender, age_group, returned_on,
        country_from, return_type, ranked, first_priority, top3, income_rank, delivered, support_90,
        first_income_days, forms, sectors)
    SELECT g, a.ids[1 + (g % array_length(a.ids, 1))],
        (ARRAY['TH','PH','MM','KH','LA','VN'])[1 + (g * 7) % 6],
        'TH-' || (10 + (g * 13) % 40)::text,
        (ARRAY['Feminine','Masculine','Feminine','Masculine','Feminine','TransgenderFeminine',
               'NonConforming','NonSpecifiedUnknown'])[1 + (g * 11) % 8],
        (ARRAY['0-17','18-24','25-34','25-34','35-49','50+','unknown'])[1 + (g * 5) % 7],
        DATE '2023-01-01' + (g * 37) % 1430,
        (ARRAY['MY','SA','AE','JP','KR','TW','CN','QA'])[1 + (g * 3) % 8],
        (ARRAY['assisted_voluntary','voluntary_humanitarian','spontaneous','deportation','evacuation','other'])
            [1 + (g * 17) % 6],
        r.ranked, CASE WHEN r.ranked THEN (ARRAY['income','debt','physical_health','mental_wellbeing',
            'family','children_schooling','housing','legal','safety','community','skills',
            'safe_migration'])[1 + r.first] ELSE '' END,
        CASE WHEN r.ranked THEN (1 << r.first) | (1 << ((r.first + 1 + r.a) % 12))
            | (1 << ((r.first + 2 + r.a + r.b) % 12)) ELSE 0 END,
        CASE WHEN NOT r.ranked THEN 'unranked'
             WHEN r.first = 0 OR (r.first + 1 + r.a) % 12 = 0 OR (r.first + 2 + r.a + r.b) % 12 = 0 THEN 'top3'
             ELSE 'lower' END,
        (random() * 4095)::int & (random() * 4095)::int,
        random() < 0.35,
        CASE WHEN random() < 0.4 THEN (random() * 400)::int END,
        CASE WHEN random() < 0.7 THEN (1 << (g % 12)) | (1 << ((g * 7) % 13)) ELSE 0 END,
        CASE WHEN random() < 0.7 THEN 1 << ((g * 3) % 22) ELSE 0 END
    FROM generate_series(1, %(cases)s) AS g
    CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM network_agency) AS a
    CROSS JOIN LATERAL (SELECT random() < 0.85 AS ranked,
        CASE WHEN random() < 0.33 THEN 0 ELSE (random() * 11)::int END AS first,
        (random() * 4)::int AS a, (random() * 4)::int AS b, g AS tie) AS r
    """,
    # Debts: half of the people, in the currency of their citizenship mostly.
    """
    INSERT INTO insights_debtfacts (case_id, agency_id, country, area, gender, age_group, returned_on,
        currency, amount)
    SELECT case_id, agency_id, country, area, gender, age_group, returned_on,
        CASE WHEN case_id % 10 = 0 THEN 'USD' WHEN country = 'PH' THEN 'PHP' ELSE 'THB' END,
        CASE WHEN random() < 0.8 THEN round((random() * 90000)::numeric / 100) * 100 ELSE 0 END
    FROM insights_casefacts WHERE case_id % 2 = 0
    """,
    # Options ended: 30% of the people.
    """
    INSERT INTO insights_enrolmentfacts (enrolment_id, case_id, agency_id, country, area, gender, age_group,
        ended_on, kind, provider_id, paid, "left")
    SELECT case_id, case_id, agency_id, country, area, gender, age_group,
        returned_on + (60 + case_id % 200)::int,
        (ARRAY['vocational_training','paid_training','job','self_employment','education'])[1 + case_id % 5],
        agency_id, case_id % 3 <> 0, random() < 0.2
    FROM insights_casefacts WHERE case_id % 10 < 3
    """,
    # Their follow-ups at 1, 3, 6 and 12 months (of those who did not leave).
    """
    INSERT INTO insights_outcomefacts (follow_up_id, case_id, agency_id, country, area, gender, age_group,
        ended_on, kind, provider_id, paid, months, working, monthly_income, currency)
    SELECT e.enrolment_id * 4 + m.i, e.case_id, e.agency_id, e.country, e.area, e.gender, e.age_group,
        e.ended_on, e.kind, e.provider_id, e.paid, m.months, w.working,
        CASE WHEN w.working THEN round((3000 + random() * 12000)::numeric) END,
        CASE WHEN w.working THEN CASE WHEN e.country = 'PH' THEN 'PHP' ELSE 'THB' END ELSE '' END
    FROM insights_enrolmentfacts AS e
    CROSS JOIN (VALUES (0, 1), (1, 3), (2, 6), (3, 12)) AS m (i, months)
    CROSS JOIN LATERAL (SELECT random() < 0.55 AS working, m.i AS tie) AS w
    WHERE NOT e."left"
    """,
    # Two sustainability assessments each: at return and later.
    """
    INSERT INTO insights_assessmentfacts (assessment_id, case_id, agency_id, country, area, gender, age_group,
        returned_on, since, economic, social, psychosocial, composite)
    SELECT c.case_id * 2 + p.i, c.case_id, c.agency_id, c.country, c.area, c.gender, c.age_group,
        c.returned_on, CASE WHEN p.i = 0 THEN '0-3' ELSE (ARRAY['3-6','6-12','12+'])[1 + c.case_id % 3] END,
        s.e, s.s, s.p, (s.e + s.s + s.p) / 3
    FROM insights_casefacts AS c
    CROSS JOIN (VALUES (0), (1)) AS p (i)
    CROSS JOIN LATERAL (SELECT random() AS e, random() AS s, random() AS p, p.i AS tie) AS s
    """,
    "ANALYZE insights_casefacts",
    "ANALYZE insights_debtfacts",
    "ANALYZE insights_enrolmentfacts",
    "ANALYZE insights_outcomefacts",
    "ANALYZE insights_assessmentfacts",
]
TABLES = ("casefacts", "debtfacts", "enrolmentfacts", "outcomefacts", "assessmentfacts")


def fill(cases: int) -> None:
    """Replaces the summary rows with `cases` synthetic people (PostgreSQL only)."""
    from django.db import connection, transaction

    from reintegra.insights.facts import mark_firsts

    if connection.vendor != "postgresql":
        raise SystemExit("--facts-only fills PostgreSQL (generate_series); give --database postgres://…")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f"insights_{t}" for t in TABLES))
        for statement in SQL:
            if statement.startswith("ANALYZE"):
                continue
            cursor.execute(statement.replace("%(cases)s", str(int(cases))))
        mark_firsts()  # each person's first row per group, as insights rebuild marks them
    with connection.cursor() as cursor:
        for statement in SQL:
            if statement.startswith("ANALYZE"):
                cursor.execute(statement)


def main() -> None:
    import django

    django.setup()
    started = time.perf_counter()
    fill(int(sys.argv[1]))
    harness.answer({"seconds": round(time.perf_counter() - started, 1)})


if __name__ == "__main__":
    main()
