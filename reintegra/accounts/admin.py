from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from .audit import audit_record
from .models import ApiToken, AuditEvent, User
from .services import api_tokens_revoke_all
from .two_factor import two_factor_required


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "agency", "role", "is_active")
    list_filter = ("role", "is_active", "agency__country")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("reintegra", {"fields": ("agency", "role", "preferred_language")}))

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
                obj=obj,
                categories=["account"],
                details={"changed": sorted(form.changed_data), "via": "admin"},
            )
            if change and "is_active" in form.changed_data and not obj.is_active:
                api_tokens_revoke_all(actor=_actor(request), user=obj, because=ApiToken.Ended.DEACTIVATED)
            elif change and {"role", "is_superuser"} & set(form.changed_data) and two_factor_required(obj):
                # Raised to a role that signs in with a second factor: tokens issued on a password
                # alone end; new ones need the code (decisions/0023).
                api_tokens_revoke_all(actor=_actor(request), user=obj, because=ApiToken.Ended.ROLE)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """The administrator's password form: a password set here ends the user's API tokens too."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            if user is not None:
                api_tokens_revoke_all(actor=_actor(request), user=user, because=ApiToken.Ended.PASSWORD)
        return response

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=AuditEvent.Action.DELETE,
                obj=obj,
                categories=["account"],
                details={"via": "admin"},
            )
            super().delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor_username", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
