from django.contrib import admin

from beds.models import FIGURES, CapacityReport, Hospital, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["label", "kind", "ecmo", "installed", "available", "version", "updated_at"]
    readonly_fields = ["installed", "available", "version", "updated_at"]
    show_change_link = True


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["finess", "name", "city", "department", "phone", "active"]
    list_filter = ["active", "department__region"]
    search_fields = ["finess", "name", "city", "postcode"]
    # Hospital staff are given their hospitals here (the membership belongs to beds).
    filter_horizontal = ["staff"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["label", "hospital", "kind", "available", "installed", "version", "updated_at"]
    list_filter = ["kind", "hospital__department__region"]
    search_fields = ["label", "hospital__name", "hospital__finess"]
    autocomplete_fields = ["hospital"]
    # Figures change only through reports, so that every change is in the history.
    readonly_fields = [*FIGURES, "version", "updated_at"]


@admin.register(CapacityReport)
class CapacityReportAdmin(admin.ModelAdmin):
    """The audit trail: readable, never editable."""

    list_display = [
        "unit",
        "version",
        "available",
        "installed",
        "source",
        "reporter_username",
        "on_behalf",
        "observed_at",
        "received_at",
    ]
    list_filter = ["source", "on_behalf", "unit__kind"]
    search_fields = ["unit__label", "unit__hospital__name", "reporter_username", "note"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
