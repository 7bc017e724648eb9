from django.contrib import admin
from django.http import HttpRequest

from .models import AGENCY_FIELDS, SERVICE_FIELDS, Agency, AgencyArea, Service


class ReadOnlyAdmin(admin.ModelAdmin):
    """Network edits go through the product's pages and API, where they are validated and audited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AgencyAreaInline(admin.TabularInline):
    model = AgencyArea
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "type", "country", "nationwide", "active")
    list_filter = ("type", "country", "active")
    search_fields = ("name", "name_local", "slug")
    fields = (*AGENCY_FIELDS, "version")
    inlines = [AgencyAreaInline]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "agency", "stage", "category", "active")
    list_filter = ("stage", "category", "active")
    search_fields = ("name", "agency__name")
    fields = ("agency", *SERVICE_FIELDS, "version")
