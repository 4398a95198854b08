from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LockoutLiftForm(forms.Form):
    """One lockout to lift: an account (`username`) or a client address (`address`)."""

    username = forms.CharField(required=False, max_length=150)
    address = forms.GenericIPAddressField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("username")) == bool(data.get("address")):
            raise forms.ValidationError(_("Give either a username or an address to unlock."))
        return data
