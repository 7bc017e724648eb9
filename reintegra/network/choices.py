"""The network's vocabularies. Where HTCDS v2.0 has a value, its name is the stored value."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.lib import labels


class AgencyType(models.TextChoices):
    # HTCDS v2.0 org_Type values.
    NGO = "NGO", _("NGO")
    LAW_ENFORCEMENT = "LawEnforcement", _("Law enforcement")
    HEALTH = "HealthServiceOrganisation", _("Health service organisation")
    CENTRAL_GOVERNMENT = "CentralGovernmentOrganisation", _("Central government organisation")
    LOCAL_GOVERNMENT = "LocalGovernmentOrganisation", _("Local government organisation")
    IMMIGRATION = "ImmigrationService", _("Immigration service")
    LEGAL = "LegalService", _("Legal service")
    CORPORATE_BUSINESS = "CorporateBusiness", _("Corporate business")
    SCHOOL = "SchoolOrCollege", _("School or college")
    # HTCDS allows custom values; these are reintegra's.
    FOREIGN_AFFAIRS = "ForeignAffairsConsular", _("Foreign affairs / consular")
    SOCIAL_WELFARE = "SocialWelfare", _("Social welfare")
    GOVERNMENT_SHELTER = "GovernmentShelter", _("Government shelter")
    NGO_IO_SHELTER = "NGOIOShelter", _("NGO / IO shelter")
    INTERNATIONAL_ORGANISATION = "InternationalOrganisation", _("International organisation")
    LABOUR = "LabourEmploymentService", _("Labour / employment service")
    TRAINING_PROVIDER = "TrainingProvider", _("Training provider")
    EMPLOYER = "Employer", _("Employer")
    MICROFINANCE = "Microfinance", _("Microfinance")


class Stage(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification")
    RETURN = "return", pgettext_lazy("service stage", "Return")
    SHELTER_ASSISTANCE = "shelter_assistance", _("Shelter & assistance")
    REINTEGRATION = "reintegration", _("Reintegration assistance")


class ServiceCategory(models.TextChoices):
    VICTIM_SCREENING = "victim_screening", _("Victim screening")
    RESCUE_PROTECTION = "rescue_protection", _("Rescue and protection")
    REPATRIATION = "repatriation", _("Repatriation")
    TRAVEL_DOCUMENTS = "travel_documents", _("Travel / consular documents")
    RECEPTION = "reception", _("Reception on arrival")
    SHELTER = "shelter", _("Shelter")
    MEDICAL_CARE = "medical_care", _("Medical care")
    PSYCHOSOCIAL = "psychosocial_counselling", _("Psychosocial counselling")
    LEGAL_AID = "legal_aid", _("Legal aid")
    FAMILY_TRACING = "family_tracing", _("Family tracing and mediation")
    CASH_ASSISTANCE = "cash_assistance", _("Cash assistance")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    BUSINESS_STARTUP = "business_startup", _("Business start-up support")
    MICROCREDIT = "microcredit", _("Microcredit")
    EDUCATION_SUPPORT = "education_support", _("Education support")
    OTHER = "other", _("Other")


# Services are open to every gender unless one of these is recorded, with its justification.
class GenderRestriction(models.TextChoices):
    FEMALE = "female", _("women")
    MALE = "male", _("men")


# Languages an agency or a service works in (ISO 639-1, or -3 where there is no -1 code).
class Language(models.TextChoices):
    THAI = "th", _("Thai")
    FILIPINO = "fil", _("Filipino")
    ENGLISH = "en", _("English")
    CEBUANO = "ceb", _("Cebuano")
    ILOCANO = "ilo", _("Ilocano")
    HILIGAYNON = "hil", _("Hiligaynon")
    ISAN = "tts", _("Isan (Northeastern Thai)")
    NORTHERN_THAI = "nod", _("Northern Thai")
    MALAY = "ms", _("Malay")
    JAPANESE = "ja", _("Japanese")
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    BURMESE = "my", _("Burmese")
    LAO = "lo", _("Lao")
    KHMER = "km", _("Khmer")
    KOREAN = "ko", _("Korean")


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    agency_type=AgencyType,
    language=Language,
)
