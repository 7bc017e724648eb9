"""Serializers of the cases API: they parse input and render output; the services check the rules.

What a reader sees of a case is decided by `CaseAccess.categories` and applied in one place,
`CaseDetailSerializer`: a field of a category the reader may not see is left out of the JSON
altogether (not sent empty), so nothing of it travels.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from reintegra.access import CaseAccess, agency_list_for_user, is_member, keeps_cases
from reintegra.accounts.models import User
from reintegra.api import MovesField
from reintegra.lib import crypto, geo
from reintegra.lib.validators import validate_no_markup
from reintegra.network.choices import Language
from reintegra.network.models import Agency

from .choices import (
    ClosureReason,
    ControlMeans,
    DataCategory,
    DocumentType,
    DuplicateCheckReason,
    Exploitation,
    Gender,
    RecruitmentMethod,
    Stage,
)
from .duplicates import missing_identity
from .models import (
    DOCUMENT_NUMBER_LENGTH,
    Case,
    CaseEvent,
    Consent,
    HistoryEvent,
    Remigration,
    Returnee,
    ReturnJourney,
    Task,
)
from .workflows import CLOSURE, ERASURE, closure_state, erasure_parties, erasure_state, parties_of

IDENTITY_DOCUMENT_TYPES = DocumentType.choices  # named in settings (SPECTACULAR_SETTINGS' enum names)
# The returnee's fields by the category that shows them (the detail's other categories are whole
# blocks: history, return, notes).
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    DataCategory.IDENTITY: Returnee.IDENTITY_FIELDS,
    DataCategory.CONTACT: Returnee.CONTACT_FIELDS,
    DataCategory.PROFILE: Returnee.PROFILE_FIELDS,
    DataCategory.HISTORY: ("history",),
    DataCategory.RETURN: ("return",),
    DataCategory.NOTES: ("notes",),
}
# Who decided the trafficking status is set on the intake page only (the API names no agency by pk).
RETURNEE_INPUT_FIELDS = [f for f in Returnee.FIELDS if f != "trafficking_status_decided_by"]


def _request_user(context: dict[str, Any]) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


class AgencySlugField(serializers.SlugRelatedField):
    """An agency named by its slug, among the agencies the requesting user may see."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Agency.objects.none())  # replaced per request below
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Agency]:
        return agency_list_for_user(_request_user(self.context))


class ColleagueField(serializers.SlugRelatedField):
    """A user named by username, among the active staff of the requesting user's own agency.

    There is no access helper for a caseworker's colleagues (staff_list_for_user is for
    supervisors), and a task may only go to someone of one's agency; looking no further than
    that agency also keeps other agencies' usernames from being probed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[User]:
        user = _request_user(self.context)
        if not is_member(user) or not user.agency_id:
            return User.objects.none()
        return User.objects.filter(agency_id=user.agency_id, is_active=True)


# --- Cases -------------------------------------------------------------------------------------


class CaseListSerializer(serializers.ModelSerializer):
    """A line of the case list: code, stage and agency; never a name."""

    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    htcds_status = serializers.CharField(read_only=True)
    own = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["code", "stage", "htcds_status", "agency", "opened_at", "own"]
        read_only_fields = fields

    def get_own(self, case: Case) -> bool:
        user = _request_user(self.context)
        return bool(user is not None and keeps_cases(user) and case.agency_id == user.agency_id)


class CaseStateSerializer(CaseListSerializer):
    """The case's state after a stage, closure, reopening or erasure action, with the moves of its
    closure and of its erasure the user may make next (cases/workflows.py)."""

    # Blank while the case is open, and on a case closed before reasons were recorded.
    closure_code = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)
    closure_moves = MovesField(CLOSURE, parties_of, state=closure_state)
    erasure_moves = MovesField(ERASURE, erasure_parties, state=erasure_state)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "version",
            "closed_at",
            "closure_requested_at",
            "closure_code",
            "closure_index",
            "closure_moves",
            "erasure_requested_at",
            "erased_at",
            "erasure_moves",
        ]
        read_only_fields = fields


class IdentityDocumentSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=IDENTITY_DOCUMENT_TYPES)
    number = serializers.CharField(max_length=DOCUMENT_NUMBER_LENGTH, validators=[validate_no_markup])
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)

    def validate_country(self, value: str) -> str:
        if value and not geo.is_country(value):
            raise serializers.ValidationError(_("Unknown country code. Use ISO 3166-1 alpha-2, e.g. TH, PH, MY."))
        return value.upper()


def _rules_of(name: str) -> list[Any]:
    """The validators of the returnee's field `name` (a copy: DRF adds its own to the list)."""
    return list(Returnee._meta.get_field(name).validators)  # type: ignore[union-attr]


class ReturneeInputSerializer(serializers.ModelSerializer):
    """The returnee's fields as typed; every one optional (an edit sends only what changed). The
    others come with the model's rules, so a refusal names its field; the service checks them again.
    Those declared here are stored as encrypted text, which the model's field type does not say."""

    birth_date = serializers.DateField(required=False, allow_null=True, validators=_rules_of("birth_date"))
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=5,
        validators=_rules_of("phones"),
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=500)
    identity_documents = serializers.ListField(child=IdentityDocumentSerializer(), required=False, max_length=10)
    citizenships = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        max_length=5,
        validators=_rules_of("citizenships"),
    )
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), required=False)

    class Meta:
        model = Returnee
        fields = RETURNEE_INPUT_FIELDS
        extra_kwargs = {name: {"required": False} for name in RETURNEE_INPUT_FIELDS}


class CaseOpenSerializer(ReturneeInputSerializer):
    # The full vocabulary, so the schema has one Stage enum; the service refuses "closed" with its reason.
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.IDENTIFICATION)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta(ReturneeInputSerializer.Meta):
        fields = [*RETURNEE_INPUT_FIELDS, "stage", "notes"]
        extra_kwargs = ReturneeInputSerializer.Meta.extra_kwargs | {"given_name": {"required": True}}


class CaseUpdateSerializer(ReturneeInputSerializer):
    version = serializers.IntegerField(help_text=gettext_lazy("The version the edit was made against."))
    notes = serializers.CharField(required=False, allow_blank=True)

    class Meta(ReturneeInputSerializer.Meta):
        fields = [*RETURNEE_INPUT_FIELDS, "version", "notes"]


class DuplicateQuerySerializer(serializers.Serializer):
    """A duplicate check (decisions/0022): why, and enough of the person to tell them apart — the
    name with the whole birth date, or the name with a phone number."""

    reason = serializers.ChoiceField(choices=DuplicateCheckReason.choices)
    reason_text = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Why, in a few words (required with the reason “other”)"),
    )
    given_name = serializers.CharField(max_length=500)
    family_name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("The whole date; a year is not enough")
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=5, default=list
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = missing_identity(
            given_name=attrs["given_name"], birth_date=attrs["birth_date"], phones=attrs["phones"]
        )
        if attrs["reason"] == DuplicateCheckReason.OTHER and not attrs["reason_text"].strip():
            errors.setdefault("reason_text", []).append(_("Say in a few words why you are checking."))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CoordinatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    agency = serializers.CharField()
    email = serializers.CharField()


class DuplicatesSerializer(serializers.Serializer):
    own = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("Codes of your agency's cases"))
    elsewhere = serializers.BooleanField(
        help_text=gettext_lazy("Whether another agency may hold this person (which one is not said)")
    )
    reference = serializers.CharField(help_text=gettext_lazy("The check's reference, to quote when you ask"))
    ask = serializers.CharField(help_text=gettext_lazy("How to ask about a match at another agency"))
    coordinators = CoordinatorSerializer(many=True, help_text=gettext_lazy("Your country's network coordinators"))


class IdentitySearchSerializer(serializers.Serializer):
    """A search for a person: in the body of a POST, so no name or phone sits in an address."""

    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Any of the person's names: whole words, or the first four letters or more of a word"),
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate_name(self, value: str) -> str:
        if value.strip() and not crypto.name_words(value):
            raise serializers.ValidationError(_("Give at least one word of the name."))
        return value.strip()

    def validate_phone(self, value: str) -> str:
        if value.strip() and not crypto.phone_key(value):
            raise serializers.ValidationError(_("A phone number needs at least 7 digits."))
        return value.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("name") or attrs.get("phone")):
            raise serializers.ValidationError(_("Give a name or a phone number to search for."))
        return attrs


class HistoryEventSerializer(serializers.ModelSerializer):
    # Lists of a vocabulary (JSON fields on the model); the other fields come from the model.
    recruitment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=RecruitmentMethod.choices), required=False
    )
    exploitation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=Exploitation.choices), required=False
    )
    control_means = serializers.ListField(child=serializers.ChoiceField(choices=ControlMeans.choices), required=False)

    class Meta:
        model = HistoryEvent
        fields = ["id", *HistoryEvent.FIELDS]
        read_only_fields = ["id"]


class ReturnJourneySerializer(serializers.ModelSerializer):
    assisting_agencies = AgencySlugField(many=True, required=False)

    class Meta:
        model = ReturnJourney
        fields = [*ReturnJourney.FIELDS, "assisting_agencies"]


class CaseDetailSerializer(serializers.Serializer):
    """One case as the reader may see it; rendered from a `CaseAccess`, never from a bare case.

    Every field but the first block is optional in the schema: it is present only when the
    reader's categories include its category."""

    code = serializers.CharField(required=False)
    agency = serializers.CharField(required=False, help_text=gettext_lazy("The owning agency's slug"))
    own = serializers.BooleanField(required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    htcds_status = serializers.CharField(required=False)
    opened_at = serializers.DateTimeField(required=False)
    closed_at = serializers.DateTimeField(required=False, allow_null=True)
    closure_requested_at = serializers.DateTimeField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices),
        required=False,
        help_text=gettext_lazy("The data categories shown to you"),
    )
    # identity
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)
    other_names = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    identity_documents = serializers.ListField(child=IdentityDocumentSerializer(), required=False)
    # contact
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    email = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    # profile
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    age_at_intake = serializers.IntegerField(required=False, allow_null=True)
    citizenships = serializers.ListField(child=serializers.CharField(), required=False)
    home_area = serializers.CharField(
        required=False, help_text=gettext_lazy("ISO 3166-2 code of the province or region the person comes home to")
    )
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    education = serializers.CharField(required=False)
    marital_status = serializers.CharField(required=False)
    children = serializers.IntegerField(required=False, allow_null=True)
    trafficking_status = serializers.CharField(required=False)
    trafficking_status_decided_by = serializers.CharField(required=False, allow_null=True)
    # history, return, notes
    history = HistoryEventSerializer(many=True, required=False)
    # "return" is a Python keyword: the field is declared under another name, renamed in get_fields.
    return_journey = ReturnJourneySerializer(required=False, allow_null=True)
    notes = serializers.CharField(required=False, help_text=gettext_lazy("The case summary"))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {("return" if name == "return_journey" else name): field for name, field in fields.items()}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        access: CaseAccess = instance
        case = access.case
        returnee = case.returnee
        values: dict[str, Any] = {
            "code": case.code,
            "agency": case.agency.slug,
            "own": access.own,
            "stage": case.stage,
            "htcds_status": case.htcds_status,
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
            "closure_requested_at": case.closure_requested_at,
            "version": case.version,
            "categories": sorted(access.categories),
        }
        for category, names in CATEGORY_FIELDS.items():
            if not access.sees(category):
                continue
            for name in names:
                if name == "history":
                    values[name] = case.history.all()
                elif name == "return":
                    values[name] = (
                        ReturnJourney.objects.filter(case=case).prefetch_related("assisting_agencies").first()
                    )
                elif name == "notes":
                    values[name] = case.notes
                elif name == "trafficking_status_decided_by":
                    decided_by = returnee.trafficking_status_decided_by
                    values[name] = decided_by.slug if decided_by else None
                else:
                    values[name] = getattr(returnee, name)
        return {
            name: None if values[name] is None else field.to_representation(values[name])
            for name, field in self.fields.items()
            if name in values
        }


class TimelineEventSerializer(serializers.ModelSerializer):
    """A line of the timeline, in the reader's language. The free text of another agency's line (a
    note, a reason, a task) is left out (null) unless the reader owns the case or may see case
    notes, as on the case page."""

    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.CharField(source="display_summary", read_only=True)
    text = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "kind", "agency", "actor", "summary", "text"]
        read_only_fields = fields

    def get_text(self, event: CaseEvent) -> str | None:
        access: CaseAccess | None = self.context.get("access")
        if access is None or access.own or event.agency_id == access.viewer_agency_id:
            return event.text
        return event.text if access.sees(DataCategory.NOTES) else None


class StageChangeSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    version = serializers.IntegerField()
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Required when going back to an earlier stage."
    )


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class RemigrationSerializer(serializers.ModelSerializer):
    """A move abroad again (issue 16): `regular` true through regular channels, false not, null not known."""

    country = serializers.CharField(max_length=2)
    recorded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Remigration
        fields = ["id", "country", "regular", "left_on", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_at"]
        extra_kwargs = {"regular": {"required": False, "allow_null": True}, "left_on": {"required": False}}

    def validate_country(self, value: str) -> str:
        if not geo.is_country(value):
            raise serializers.ValidationError(_("Unknown country code. Use ISO 3166-1 alpha-2, e.g. TH, PH, MY."))
        return value.upper()


class ClosureRequestSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=ClosureReason.choices, help_text="Why the case is closed.")
    reason = serializers.CharField(max_length=1000)
    remigration = RemigrationSerializer(
        required=False,
        allow_null=True,
        help_text="With reason_code remigrated, the move abroad, unless the case has one recorded.",
    )


class ClosureDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class ErasureDecisionSerializer(serializers.Serializer):
    confirm = serializers.BooleanField()


# --- Consents ----------------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", max_length=16)
    recipient_agency = AgencySlugField(required=False, allow_null=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices), required=False)
    explained_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "case", *Consent.FIELDS, "explained_by", "active", "withdrawn_at", "created_at"]
        read_only_fields = ["id", "explained_by", "active", "withdrawn_at", "created_at"]


# --- Tasks -------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    # Null for a task on no case (a supervisor's alert, decisions/0022); a task added here names one.
    case = serializers.CharField(source="case.code", max_length=16, allow_null=True)
    assignee = ColleagueField(required=False, allow_null=True)
    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(max_length=200)
    done = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "case", "title", "due_on", "agency", "assignee", "is_follow_up", "done", "done_at"]
        read_only_fields = ["id", "agency", "done", "done_at"]

    def get_done(self, task: Task) -> bool:
        return task.done_at is not None

    def validate_case(self, value: str | None) -> str:
        if not value:
            raise serializers.ValidationError(_("Name the case the task is on."))
        return value
