"""The fields of HTCDS v2.0 (HTCDS by IOM, CC BY 4.0; no endorsement implied) and how a cell of
each is read: its kind and, for a picklist, the value names it accepts.

The fields reintegra keeps in its own records are read in `htcds.py`; every other field of the
standard is checked by its kind here and kept, as read, with the case (`Case.htcds_extra`)."""

import datetime
import functools
from dataclasses import dataclass
from enum import StrEnum

import pycountry
from django.db import models
from django.utils.translation import gettext as _

from reintegra.cases.choices import (
    ControlMeans,
    Education,
    Exploitation,
    Gender,
    Industry,
    MaritalStatus,
    RecruiterRelation,
    RecruitmentMethod,
    TraffickingStatus,
)
from reintegra.network.choices import AgencyType


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    PICKLIST = "picklist"
    MULTI = "multi"  # a multi-select picklist: several value names in one cell
    COUNTRY = "country"
    COUNTRIES = "countries"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = Kind.TEXT
    values: tuple[str, ...] = ()


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _of(vocabulary: type[models.TextChoices]) -> tuple[str, ...]:
    # reintegra's vocabularies hold the standard's value names and a few of their own (HTCDS
    # allows custom values): a file reintegra wrote must read back.
    return tuple(vocabulary.values)


APPS = _names(
    "Facebook Instagram WhatsApp Telegram FacebookMessenger Viber SnapChat Line 4Sale WeChat QQ QZone TikTok"
    " Twitter Other"
)
REFERRAL_REASONS = _names("AdditionalServicesRequired MigrationOrChangeOfLocation Other")
CASE_STATUS = _names("Active FollowUp Closed ClosedReferred")
DECISION_MAKERS = _names("Police NGO CourtOrProsecution NonPoliceGovernmentalOrganization Other")

# The standard's case identifier: HTCDS builds on Salesforce, whose Case object numbers each case
# (CaseNumber); the template has no column for it, so a file without it is keyed by its rows.
CASE_NUMBER = "cas_CaseNumber"
# The template's header misspells one field; both spellings are read, the standard's is written.
MISSPELT = {"vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg"}

FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        Field(CASE_NUMBER),
        Field("org_Name"),
        Field("org_ShippingCity"),
        Field("org_ShippingCountry"),
        Field("org_ShippingState"),
        Field("org_ShippingStreet"),
        Field("org_ShippingPostalCode"),
        Field("org_ShippingLongitude", Kind.NUMBER),
        Field("org_ShippingLatitude", Kind.NUMBER),
        Field("org_Phone"),
        Field("org_Type", Kind.PICKLIST, _of(AgencyType)),
        Field("prs_Salutation"),
        Field("prs_FirstName"),
        Field("prs_MiddleName"),
        Field("prs_SecondName"),
        Field("prs_Birthdate", Kind.DATE),
        Field("prs_Gender", Kind.PICKLIST, _of(Gender)),
        Field("prs_Deceased", Kind.CHECKBOX),
        Field("prs_MaritalStatus", Kind.PICKLIST, _of(MaritalStatus)),
        Field("prs_NumberOfChildren", Kind.NUMBER),
        Field("prs_PrimaryLanguage"),
        Field("prs_SecondaryLanguage"),
        Field("prs_HighestLevelOfEducation", Kind.PICKLIST, _of(Education)),
        Field("prs_Citizenship", Kind.COUNTRIES),
        Field("prs_IdentityNumber"),
        Field("prs_Title"),
        Field("prs_Email"),
        Field("prs_HomePhone"),
        Field("prs_MobilePhone"),
        Field("prs_MailingCity"),
        Field("prs_MailingCountry", Kind.COUNTRY),
        Field("prs_MailingState"),
        Field("prs_MailingStreet"),
        Field("prs_MailingPostalCode"),
        Field("prs_MailingLongitude", Kind.NUMBER),
        Field("prs_MailingLatitude", Kind.NUMBER),
        Field("vic_AgreementToManagePersonalData", Kind.CHECKBOX),
        Field("vic_TraffickingStatus", Kind.PICKLIST, _of(TraffickingStatus)),
        Field("vic_TraffickingStatusDecisionMakingOrg", Kind.PICKLIST, DECISION_MAKERS),
        Field("vic_RelationshipToTrafficker", Kind.PICKLIST, _of(RecruiterRelation)),
        Field("vic_AgeWhenTrafficked", Kind.NUMBER),
        Field("vic_RecruitmentWebsitesAndApps", Kind.MULTI, APPS),
        Field("vic_MethodOfRecruitment", Kind.MULTI, _of(RecruitmentMethod)),
        Field("vic_LocationOfRecruitment"),
        Field("vic_MethodsOfControl", Kind.MULTI, _of(ControlMeans)),
        Field("vic_TypeOfExploitation", Kind.MULTI, _of(Exploitation)),
        Field("vic_ForcedLabourIndustry", Kind.PICKLIST, _of(Industry)),
        Field(
            "vic_TypeOfSexExploitation",
            Kind.MULTI,
            _names("Prostitution Pornography RemoteInteractiveServices PrivateSexualServices"),
        ),
        Field("vic_LocationOfExploitation"),
        Field("vic_ExploitationWebsitesAndApps", Kind.MULTI, APPS),
        Field(
            "vic_Vulnerabilities",
            Kind.MULTI,
            _names(
                "Addiction SocialGroup Discrimination Poverty DisabilityAndPhysicalHealth MentalHealth Migration"
                " Homelessness AbuseSocialMedia AbusePhysical Education WorkEnvironment"
            ),
        ),
        Field("vic_DetailsOfVulnerabilities"),
        Field(
            "per_RoleInProcess",
            Kind.MULTI,
            _names(
                "TravellingPartner Transporter RecruiterOrIntermediary BrokerTravelAgent TransferredIndividual"
                " HarbouredIndividual SoldIndividual BoughtIndividual ReceivedIndividual ControlledIndividual"
                " Smuggler Abuser Kidnapper Exploiter Other"
            ),
        ),
        Field("per_RoleDetails"),
        Field("per_Organisation"),
        Field("cas_Status", Kind.PICKLIST, CASE_STATUS),
        Field("cas_ReasonForCaseClosure"),
        Field("cas_CaseOwner"),
        Field("cas_ReferringOrganisation"),
        Field("cas_IncomingReferralDate", Kind.DATE),
        Field("cas_ReferringPrimaryCaseWorker"),
        Field("cas_ReasonForIncomingReferral", Kind.PICKLIST, REFERRAL_REASONS),
        Field("cas_IncomingReferralDetails"),
        Field("cas_ReferredOrganisation"),
        Field("cas_ReferredPrimaryCaseWorker"),
        Field("cas_ReasonForOutgoingReferral", Kind.PICKLIST, REFERRAL_REASONS),
        Field("cas_OutgoingReferralDate", Kind.DATE),
        Field("cas_OutgoingReferralDetails"),
        Field("cco_CaseComment"),
        Field("hte_Longitude", Kind.NUMBER),
        Field("hte_Latitude", Kind.NUMBER),
        Field("hte_City"),
        Field("hte_Country", Kind.COUNTRY),
        Field("hte_State"),
        Field("hte_Street"),
        Field("hte_PostalCode"),
        Field("hte_Date", Kind.DATE),
        Field("hte_Type", Kind.PICKLIST, _names("Recruitment Transit Exploitation")),
        Field("hte_Description"),
        Field("spl_Objectives"),
        Field("spl_ActionPlan"),
        Field("spl_PlannedEndDate", Kind.DATE),
        Field("spl_ActualEndDate", Kind.DATE),
        Field(
            "spl_Type",
            Kind.PICKLIST,
            _names(
                "Education Financial Health LabourExploitationRehabilitation Legal Livelihood"
                " RightsBasedTraining SexualExploitationRehabilitation SocialCare"
            ),
        ),
        Field("con_Consent", Kind.CHECKBOX),
    ]
}

# The columns an export writes, in this order: the official template's (standard spelling), the
# case identifier first and the template's missing outgoing-referral reason in its place, then the
# profile fields reintegra keeps. Fields kept from an imported file follow, by name.
EXPORT_COLUMNS: tuple[str, ...] = (
    CASE_NUMBER,
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
    "prs_MiddleName",
    "prs_MaritalStatus",
    "prs_NumberOfChildren",
    "prs_HighestLevelOfEducation",
    "vic_RelationshipToTrafficker",
)

# Without these a row makes no case: a name to call the person by, and the case's state.
REQUIRED = ("prs_FirstName", "prs_Gender", "cas_Status")

TRUE_WORDS = {"true", "yes", "y", "1", "x"}
FALSE_WORDS = {"false", "no", "n", "0"}
TEXT_LIMIT = 10_000


class CellError(ValueError):
    """A cell that does not read as its field's kind; the message says why, for the person."""


@functools.lru_cache(maxsize=4096)  # a file names the same few countries in row after row
def country_code(value: str) -> str | None:
    """The alpha-2 code of an ISO 3166-1 alpha-2 or alpha-3 code, None for anything else."""
    code = value.strip().upper()
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    else:
        return None
    return country.alpha_2 if country is not None else None


def split_multi(value: str) -> list[str]:
    """A multi-select cell: value names separated by `;` or `,`."""
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


def read_date(value: str) -> datetime.date:
    text = value.strip()
    try:
        return datetime.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T" else text)
    except ValueError:
        raise CellError(_("Not a date: write it as YYYY-MM-DD.")) from None


def read_checkbox(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("Not a checkbox value: write TRUE or FALSE."))


def read_countries(value: str) -> list[str]:
    codes, unknown = [], []
    for part in split_multi(value):
        code = country_code(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CellError(
            _("Unknown country: %(codes)s. Use ISO 3166-1 codes, e.g. TH or THA.") % {"codes": ", ".join(unknown)}
        )
    return codes


def read_picklist(field: Field, value: str) -> str:
    name = value.strip()
    if name not in field.values:
        raise CellError(_("Not a value of this picklist. Use the standard's value names."))
    return name


def read_multi(field: Field, value: str) -> list[str]:
    names = list(dict.fromkeys(split_multi(value)))
    unknown = [n for n in names if n not in field.values]
    if unknown:
        raise CellError(
            _("Not a value of this picklist: %(values)s. Use the standard's value names.")
            % {"values": ", ".join(unknown)}
        )
    return names


def read_number(value: str) -> str:
    text = value.strip()
    try:
        float(text)
    except ValueError:
        raise CellError(_("Not a number.")) from None
    return text


def normalise(field: Field, value: str) -> str:
    """A cell of a field reintegra keeps as read, checked by its kind and written the standard's way."""
    if len(value) > TEXT_LIMIT:
        raise CellError(_("Too long: at most %(n)s characters.") % {"n": TEXT_LIMIT})
    match field.kind:
        case Kind.DATE:
            return read_date(value).isoformat()
        case Kind.CHECKBOX:
            return "TRUE" if read_checkbox(value) else "FALSE"
        case Kind.NUMBER:
            return read_number(value)
        case Kind.PICKLIST:
            return read_picklist(field, value)
        case Kind.MULTI:
            return ";".join(read_multi(field, value))
        case Kind.COUNTRY:
            return ";".join(read_countries(value)[:1]) if country_code(value) else _raise_country(value)
        case Kind.COUNTRIES:
            return ";".join(read_countries(value))
    return value


def _raise_country(value: str) -> str:
    raise CellError(_("Unknown country: %(codes)s. Use ISO 3166-1 codes, e.g. TH or THA.") % {"codes": value.strip()})
