from django.contrib import admin

from regions.models import Department, Region, ThresholdChange
from regions.services import region_reporting_update, region_thresholds_update


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["code", "name"]
    readonly_fields = ["code", "name"]
    can_delete = False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "tension_occupancy_pct",
        "tension_available_max",
        "reporting_cadence_minutes",
        "crisis",
    ]
    search_fields = ["code", "name"]
    inlines = [DepartmentInline]
    readonly_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        # Thresholds change through the service, so that the change is audited.
        if not change:
            super().save_model(request, obj, form, change)
            return
        region_thresholds_update(
            region=obj,
            user=request.user,
            source=ThresholdChange.Source.ADMIN,
            tension_occupancy_pct=obj.tension_occupancy_pct,
            tension_available_max=obj.tension_available_max,
        )
        region_reporting_update(
            region=obj, reporting_cadence_minutes=obj.reporting_cadence_minutes, crisis=obj.crisis
        )

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False  # every région exists in every installation

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(ThresholdChange)
class ThresholdChangeAdmin(admin.ModelAdmin):
    """The audit of threshold changes: readable, never editable."""

    list_display = [
        "changed_at",
        "region",
        "changed_by_username",
        "changed_by_role",
        "source",
        "occupancy_pct_before",
        "occupancy_pct_after",
        "available_max_before",
        "available_max_after",
    ]
    list_filter = ["region", "source"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
