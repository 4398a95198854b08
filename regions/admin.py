from django.contrib import admin

from regions.models import Department, Region


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["code", "name"]
    readonly_fields = ["code", "name"]
    can_delete = False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tension_occupancy_pct", "tension_available_max"]
    search_fields = ["code", "name"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
