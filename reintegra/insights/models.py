"""Summary tables the dashboards read (decisions/0030-insights-summary-tables).

One row per returned case (`CaseFacts`): the filter dimensions and the per-person measures the voice
and returns dashboards count; one per follow-up done (`OutcomeFacts`), per option ended
(`EnrolmentFacts`) and per sustainability assessment done (`AssessmentFacts`), which the outcomes
dashboard counts; one per returned person and currency of debt (`DebtFacts`). Each carries the
filter dimensions of its case. They are worked out once on write (insights/facts.py keeps them
through signals, and `reintegra insights rebuild` rebuilds them in bulk). A dashboard then counts
with one grouped query over one narrow table, not a join of the case's records per person.

The rows hold no identifying data: categories, a date of return (kept to its month once erased, as the
case's own), and flags. They point at their case without a database constraint: a case's deletion
removes its row through the signal, and a cascade that refreshes a row of a case being deleted cannot
block the deletion.
"""

from django.db import models


class Dimensions(models.Model):
    """The filters (insights/filters.py, category_expression) as the case's records have them: its
    agency, the returnee's first citizenship, home area, gender and age group at intake."""

    agency = models.ForeignKey("network.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    country = models.CharField(max_length=2, null=True)
    area = models.CharField(max_length=8, blank=True)
    gender = models.CharField(max_length=24, blank=True)
    age_group = models.CharField(max_length=8)

    class Meta:
        abstract = True


class CaseFacts(Dimensions):
    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The return.
    returned_on = models.DateField()
    country_from = models.CharField(max_length=2, blank=True)
    return_type = models.CharField(max_length=24, blank=True)
    # The latest ranking of priorities: whether there is one, its first place, and its first three
    # places as a set of bits (insights/facts.py, PRIORITY_BITS); income_rank is top3, lower or unranked.
    ranked = models.BooleanField(default=False)
    first_priority = models.CharField(max_length=24, blank=True)
    top3 = models.IntegerField(default=0)
    income_rank = models.CharField(max_length=8)
    # What was delivered for each priority (bits as top3), economic support by day 90 of return, and
    # the days from return to the first income (null: none yet).
    delivered = models.IntegerField(default=0)
    support_90 = models.BooleanField(default=False)
    first_income_days = models.IntegerField(null=True)
    # The forms and the sectors of exploitation of the history's exploitation events, as bits
    # (insights/facts.py, FORM_BITS and SECTOR_BITS; one bit for an event that names none; 0: no event).
    forms = models.IntegerField(default=0)
    sectors = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["returned_on"], name="insights_casefacts_returned"),
            models.Index(fields=["agency", "returned_on"], name="insights_casefacts_agency"),
        ]

    def __str__(self) -> str:
        return f"facts of case {self.pk}"


class DebtFacts(Dimensions):
    """A returned person's debt on return in one currency: the debts of their history added up."""

    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    returned_on = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "currency"], name="insights_debt_one_per_currency")]
        indexes = [models.Index(fields=["returned_on"], name="insights_debt_returned")]

    def __str__(self) -> str:
        return f"debt of case {self.case_id} in {self.currency}"


class OptionFacts(Dimensions):
    """What the outcomes are broken down by: the option's kind, provider and whether it pays (a
    stipend or a wage), and the day it ended (its completion, or the start of work when first)."""

    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    ended_on = models.DateField(null=True)
    kind = models.CharField(max_length=24)
    provider = models.ForeignKey("network.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    paid = models.BooleanField()

    class Meta:
        abstract = True


class Firsts(models.Model):
    """`firsts`: bits marking the row as its case's first in each group a dashboard counts people by
    (insights/facts.py, FIRST_OF): counting the marked rows counts each person once, as COUNT(DISTINCT
    case) would, without its sort of every row (docs/benchmarks.md)."""

    firsts = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class OutcomeFacts(OptionFacts, Firsts):
    """A follow-up done (its work recorded) of an option."""

    follow_up = models.OneToOneField(
        "livelihoods.IncomeFollowUp",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    months = models.PositiveSmallIntegerField()
    working = models.BooleanField()
    monthly_income = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ended_on"], name="insights_outcome_ended")]

    def __str__(self) -> str:
        return f"facts of follow-up {self.pk}"


class EnrolmentFacts(OptionFacts, Firsts):
    """An option started and ended: completed, placed in work, or left before its end."""

    enrolment = models.OneToOneField(
        "livelihoods.Enrolment", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    left = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["ended_on"], name="insights_enrolment_ended")]

    def __str__(self) -> str:
        return f"facts of enrolment {self.pk}"


class AssessmentFacts(Dimensions, Firsts):
    """A sustainability assessment done, of a returned case: its scores and the band of the time
    since return it falls in (insights/facts.py, SINCE_RETURN)."""

    assessment = models.OneToOneField(
        "plans.Assessment", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    returned_on = models.DateField()
    since = models.CharField(max_length=8)
    economic = models.FloatField(null=True)
    social = models.FloatField(null=True)
    psychosocial = models.FloatField(null=True)
    composite = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["returned_on"], name="insights_assessment_returned")]

    def __str__(self) -> str:
        return f"facts of assessment {self.pk}"
