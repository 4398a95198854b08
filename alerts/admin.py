from django.contrib import admin

from alerts.models import Alert, AuditEvent, Reminder, ReminderSettings, UnitLink


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["hospital", "quiet_start", "quiet_end", "language"]
    search_fields = ["hospital__name", "hospital__finess"]
    autocomplete_fields = ["hospital"]
    filter_horizontal = ["recipients"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "region",
        "kind",
        "level",
        "scope",
        "scope_code",
        "unit_kind",
        "state",
        "opened_at",
    ]
    list_filter = ["state", "kind", "region"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["unit", "unit_version", "stage", "created_at", "sent_at", "recipients"]


@admin.register(UnitLink)
class UnitLinkAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "user",
        "created_at",
        "expires_at",
        "opened_at",
        "used_at",
        "revoked_at",
    ]
    exclude = ["secret_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "unit", "alert"]
    list_filter = ["kind"]
