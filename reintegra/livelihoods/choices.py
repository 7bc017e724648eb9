from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.lib import labels


class Literacy(models.TextChoices):
    NONE = "none", _("Cannot read or write")
    BASIC = "basic", _("Reads and writes simple sentences")
    FUNCTIONAL = "functional", _("Reads and writes with ease")


class Numeracy(models.TextChoices):
    NONE = "none", _("Cannot count money or measure")
    BASIC = "basic", _("Counts money, simple sums")
    FUNCTIONAL = "functional", _("Keeps accounts, calculates with ease")


class WorkMode(models.TextChoices):
    WAGE_JOB = "wage_job", _("A wage job")
    OWN_BUSINESS = "own_business", _("An own business")
    STUDY = "study", _("Further study")


class Interest(models.TextChoices):
    """The six interest areas of the aptitude and interest assessment (Holland's RIASEC)."""

    REALISTIC = "realistic", _("Practical work with tools, machines, plants or animals")
    INVESTIGATIVE = "investigative", _("Finding out and solving problems")
    ARTISTIC = "artistic", _("Creating, designing, performing")
    SOCIAL = "social", _("Helping, teaching, caring for people")
    ENTERPRISING = "enterprising", _("Selling, leading, running a business")
    CONVENTIONAL = "conventional", _("Organising, keeping records, numbers")


class CareDuty(models.TextChoices):
    NONE = "none", _("None")
    CHILDREN = "children", _("Young children")
    ELDERS = "elders", _("Elderly or sick relatives")
    BOTH = "both", _("Children and relatives")


class DebtPressure(models.TextChoices):
    NONE = "none", _("No debt to repay")
    MANAGEABLE = "manageable", _("Debt, repayments manageable")
    HIGH = "high", _("Debt, repayments pressing")


class EnrolmentStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("Recommended")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ENROLLED = "enrolled", _("Enrolled")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    COMPLETED = "completed", _("Completed")
    PLACED = "placed", _("Placed")
    WITHDRAWN = "withdrawn", _("Offer withdrawn")
    RELEASED = "released", _("Another option of the menu chosen")


OPEN_ENROLMENT_STATUSES = (
    EnrolmentStatus.RECOMMENDED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.ACCEPTED,
    EnrolmentStatus.ENROLLED,
)
# Seats are taken from acceptance on.
SEAT_STATUSES = (EnrolmentStatus.ACCEPTED, EnrolmentStatus.ENROLLED)


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent contract")
    FIXED_TERM = "fixed_term", _("Fixed-term contract")
    DAILY = "daily", _("Daily or casual work")
    INFORMAL = "informal", _("No written contract")


class PlacementKind(models.TextChoices):
    JOB = "job", _("Job")
    BUSINESS = "business", _("Own business")


class BusinessFinance(models.TextChoices):
    GRANT = "grant", _("Grant")
    LOAN = "loan", _("Loan")
    IN_KIND = "in_kind", _("In-kind support")
    OWN = "own", _("Own savings")


class BusinessStatus(models.TextChoices):
    STARTING = "starting", _("Starting")
    OPERATING = "operating", _("Operating")
    STRUGGLING = "struggling", _("Operating, struggling")
    CLOSED = "closed", pgettext_lazy("business status", "Closed")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("In paid work (same job)")
    EMPLOYED_OTHER = "employed_other", _("In paid work (another job)")
    SELF_EMPLOYED = "self_employed", _("Running own business")
    STUDYING = "studying", _("Studying")
    LOOKING = "looking", _("Not working, looking for work")
    NOT_WORKING = "not_working", _("Not working, not looking")
    MIGRATED = "migrated", _("Migrated again for work")


EARNING_STATUSES = (EmploymentStatus.EMPLOYED, EmploymentStatus.EMPLOYED_OTHER, EmploymentStatus.SELF_EMPLOYED)
FOLLOW_UP_MONTHS = (1, 3, 6, 12)
NO_PLACEMENT_ALERT_DAYS = 30


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    enrolment_status=EnrolmentStatus,
    employment=EmploymentStatus,
)
