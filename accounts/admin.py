from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Bedwatch", {"fields": ("role", "regions")}),
    )
    filter_horizontal = ["regions", "groups", "user_permissions"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be listed and revoked (deleted), never read nor made here: a key exists only
    in the output of `create_account --token` or `rotate_token`. The digest is not shown either."""

    list_display = ["user", "created", "expires", "is_expired"]
    list_filter = ["expires"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expires"]
    readonly_fields = ["user", "created", "expires"]
    list_select_related = ["user"]

    @admin.display(boolean=True, description="expired")
    def is_expired(self, token: ApiToken) -> bool:
        return token.is_expired

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
