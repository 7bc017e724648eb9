"""Case vocabularies. Where HTCDS v2.0 has a picklist, its value names are stored as they are."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.lib import labels


class Gender(models.TextChoices):  # HTCDS prs_Gender
    FEMININE = "Feminine", _("Woman")
    MASCULINE = "Masculine", _("Man")
    TRANSGENDER_FEMININE = "TransgenderFeminine", _("Transgender woman")
    TRANSGENDER_MASCULINE = "TransgenderMasculine", _("Transgender man")
    NON_CONFORMING = "NonConforming", _("Gender non-conforming")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified / unknown")


class MaritalStatus(models.TextChoices):  # HTCDS prs_MaritalStatus
    SINGLE = "Single", _("Single")
    MARRIED = "Married", _("Married")
    WIDOWED = "Widowed", _("Widowed")
    DIVORCED = "Divorced", _("Divorced")
    SEPARATED = "Separated", _("Separated")
    PARTNERSHIP = "RegisteredPartnership", _("Registered partnership")


class Education(models.TextChoices):  # HTCDS prs_HighestLevelOfEducation = ISCED 2011 levels 0–8
    NONE = "None", _("No formal education")
    EARLY_CHILDHOOD = "EarlyChildhoodEducation", _("Early childhood education (ISCED 0)")
    PRIMARY = "PrimaryEducation", _("Primary education (ISCED 1)")
    LOWER_SECONDARY = "LowerSecondaryEducation", _("Lower secondary education (ISCED 2)")
    UPPER_SECONDARY = "UpperSecondaryEducation", _("Upper secondary education (ISCED 3)")
    POST_SECONDARY = "PostSecondaryNonTertiaryEducation", _("Post-secondary non-tertiary (ISCED 4)")
    SHORT_TERTIARY = "ShortCycleTertiaryEducation", _("Short-cycle tertiary (ISCED 5)")
    BACHELORS = "BachelorsOrEquivalentLevel", _("Bachelor's or equivalent (ISCED 6)")
    MASTERS = "MastersOrEquivalentLevel", _("Master's or equivalent (ISCED 7)")
    DOCTORAL = "DoctoralOrEquivalentLevel", _("Doctoral or equivalent (ISCED 8)")


class TraffickingStatus(models.TextChoices):  # HTCDS vic_TraffickingStatus
    POSSIBLE = "PossibleVictimOfTrafficking", _("Possible victim of trafficking")
    ACTUAL = "ActualVictimOfTrafficking", _("Identified victim of trafficking")
    NOT_A_VICTIM = "NotAVictimOfTrafficking", _("Not a victim of trafficking (exploited migrant)")


class Stage(models.TextChoices):
    """The case's stage; `cas_status` maps it onto HTCDS cas_Status."""

    IDENTIFICATION = "identification", _("Identification")
    RETURN = "return", pgettext_lazy("case stage", "Return")
    SHELTER_ASSISTANCE = "shelter_assistance", _("Shelter & assistance")
    REINTEGRATION = "reintegration", _("Reintegration")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", pgettext_lazy("case stage", "Closed")


STAGE_ORDER = list(Stage.values)
HTCDS_CASE_STATUS = {
    Stage.IDENTIFICATION: "Active",
    Stage.RETURN: "Active",
    Stage.SHELTER_ASSISTANCE: "Active",
    Stage.REINTEGRATION: "Active",
    Stage.FOLLOW_UP: "FollowUp",
    Stage.CLOSED: "Closed",
}


class HistoryType(models.TextChoices):  # HTCDS hte_Type
    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class RecruitmentMethod(models.TextChoices):  # HTCDS vic_MethodOfRecruitment
    PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution", _("At an educational institution")
    AT_WORK = "AtWork", _("At work")
    ONLINE_SOCIAL = "ThroughOnlineSocialNetworks", _("Through online social networks")
    ONLINE_AD = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    TV_AD = "ThroughATelevisionAdvert", _("Through a television advert")
    NEWSPAPER_AD = "ThroughANewspaperAdvert", _("Through a newspaper advert")
    FAMILY = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    FRIENDS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    BROKER = "ThroughABrokerOrAgency", _("Through a broker or recruitment agency")
    OTHER = "Other", _("Other")


class RecruiterRelation(models.TextChoices):  # HTCDS vic_RelationshipToTrafficker
    FAMILIAL = "Familial", pgettext_lazy("recruiter relation", "Family")
    ACQUAINTED = "Acquainted", _("Acquaintance")
    UNACQUAINTED = "Unaquainted", _("Stranger")  # sic: HTCDS spells it so


class Exploitation(models.TextChoices):  # HTCDS vic_TypeOfExploitation
    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    FORCED_CRIMINALITY = "ForcedCriminality", _("Forced criminality (e.g. scam centres)")
    OTHER = "Other", _("Other")


class Industry(models.TextChoices):  # HTCDS vic_ForcedLabourIndustry = ISIC Rev.4 sections
    A = "A_AgricultureForestryAndFishing", _("A. Agriculture, forestry and fishing")
    B = "B_MiningAndQuarrying", _("B. Mining and quarrying")
    C = "C_Manufacturing", _("C. Manufacturing")
    D = "D_ElectricityGasSteamAndAirConditioningSupply", _("D. Electricity, gas, steam supply")
    E = "E_WaterSupplySewerageWasteManagement", _("E. Water supply, sewerage, waste")
    F = "F_Construction", _("F. Construction")
    G = "G_WholesaleAndRetailTradeRepairOfMotorVehicles", _("G. Wholesale and retail trade")
    H = "H_TransportationAndStorage", _("H. Transportation and storage")
    I = "I_AccommodationAndFoodServiceActivities", _("I. Accommodation and food service")  # noqa: E741
    J = "J_InformationAndCommunication", _("J. Information and communication")
    K = "K_FinancialAndInsuranceActivities", _("K. Financial and insurance activities")
    L = "L_RealEstateActivities", _("L. Real estate activities")
    M = "M_ProfessionalScientificAndTechnicalActivities", _("M. Professional, scientific, technical")
    N = "N_AdministrativeAndSupportServiceActivities", _("N. Administrative and support services")
    O = "O_PublicAdministrationAndDefence", _("O. Public administration and defence")  # noqa: E741
    P = "P_Education", _("P. Education")
    Q = "Q_HumanHealthAndSocialWorkActivities", _("Q. Human health and social work")
    R = "R_ArtsEntertainmentAndRecreation", _("R. Arts, entertainment and recreation")
    S = "S_OtherServiceActivities", _("S. Other service activities")
    T = "T_ActivitiesOfHouseholdsAsEmployers", _("T. Households as employers (domestic work)")
    U = "U_ActivitiesOfExtraterritorialOrganizations", _("U. Extraterritorial organisations")


class ControlMeans(models.TextChoices):  # HTCDS vic_MethodsOfControl
    PHYSICAL_THREATS = "PhysicalThreats", _("Threats of violence")
    THREATS_LAW = "ThreatsLawEnforcement", _("Threats of reporting to the authorities")
    THREATENS_FAMILY = "ThreatensChildrenFamily", _("Threats against children or family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Earnings taken")
    RESTRICTS_FINANCES = "RestrictsFinancialAccess", _("Restricted access to money")
    RESTRICTS_MEDICAL = "RestrictsMedicalCare", _("Restricted medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Necessities withheld")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    SUBSTANCES = "PsychoactiveSubstance", _("Psychoactive substances")
    EXCESSIVE_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Identity documents withheld")
    OTHER = "Other", _("Other")


class ReturnType(models.TextChoices):
    ASSISTED_VOLUNTARY = "assisted_voluntary", _("Assisted voluntary return")
    VOLUNTARY_HUMANITARIAN = "voluntary_humanitarian", _("Voluntary humanitarian return")
    SPONTANEOUS = "spontaneous", _("Spontaneous or self-arranged return")
    DEPORTATION = "deportation", _("Deportation or other forced return")
    EVACUATION = "evacuation", _("Emergency evacuation or rescue")
    OTHER = "other", _("Other")


class DataCategory(models.TextChoices):
    """What a referral may share, and what the audit log names when a record is read."""

    IDENTITY = "identity", _("Identity (names, birth date, identity documents)")
    CONTACT = "contact", _("Contact (phone, e-mail, address)")
    PROFILE = "profile", _("Profile (gender, age, citizenship, languages, education, family)")
    HISTORY = "history", _("Migration and exploitation history")
    RETURN = "return", pgettext_lazy("data category", "Return")
    NOTES = "notes", _("Case notes")
    PLAN = "plan", _("Priorities, reintegration plan and assessments")
    LIVELIHOOD = "livelihood", _("Skills, aspirations, livelihood enrolments and income")


IDENTIFYING_CATEGORIES = {DataCategory.IDENTITY, DataCategory.CONTACT}


class ConsentPurpose(models.TextChoices):
    ASSISTANCE = "assistance", _("Receiving assistance")
    SHARING = "sharing", _("Sharing data for a referral")
    STATISTICS = "statistics", _("Use in de-identified statistics")


class DocumentType(models.TextChoices):
    NATIONAL_ID = "national_id", _("National ID card")
    PASSPORT = "passport", _("Passport")
    TRAVEL_DOCUMENT = "travel_document", _("Emergency travel document")
    OTHER = "other", _("Other")


class DuplicateCheckReason(models.TextChoices):
    """Why someone asks whether a person already has a case (decisions/0022)."""

    NEW_CASE = "new_case", _("Registering a new case")
    HELPED_BEFORE = "helped_before", _("The returnee says an agency helped them before")
    OTHER = "other", _("Another reason (say which)")


class ClosureReason(models.TextChoices):
    """Why a case was closed, as the IOM reintegration guidance records it (issue 16). Words chosen so
    that no reason reads as a failure of the person."""

    REINTEGRATED = "reintegrated", _("Reintegrated")
    MOVED_TRANSFERRED = "moved_transferred", _("Moved away, case handed to another agency")
    MOVED = "moved", _("Moved away, not handed over")
    REMIGRATED = "remigrated", _("Moved abroad again")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    DECLINED = "declined", _("Declined further assistance")
    DIED = "died", _("Died")


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    stage=Stage,
    consent_purpose=ConsentPurpose,
    return_type=ReturnType,
    history_type=HistoryType,
    exploitation=Exploitation,
    control=ControlMeans,
    recruitment=RecruitmentMethod,
    category=DataCategory,
    document=DocumentType,
    duplicate_check_reason=DuplicateCheckReason,
    closure_reason=ClosureReason,
)
