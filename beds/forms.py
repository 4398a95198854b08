"""Forms of the staff page: they validate and explain; the service writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from beds.capacity import figures_errors, figures_jumps
from beds.models import FIGURE_MAX, FIGURES, FIGURES_BY_USE, Unit

FIGURE_LABELS = {
    "installed": _("Installed"),
    "available": _("Available"),
    "occupied": _("Occupied"),
    "reserved": _("Reserved"),
    "closed": _("Closed"),
    "extra": _("Extra"),
}

FIGURE_HELP = {
    "installed": _("beds the unit is equipped for"),
    "available": _("a patient can be placed now"),
    "occupied": _("beds with a patient"),
    "reserved": _("promised within 24 h"),
    "closed": _("not usable (staff, works…)"),
    "extra": _("opened beyond installed"),
}


def _figure_field(name: str) -> forms.IntegerField:
    message = _("Enter a whole number from 0 to %(max)s.") % {"max": FIGURE_MAX}
    return forms.IntegerField(
        label=FIGURE_LABELS[name],
        help_text=FIGURE_HELP[name],
        min_value=0,
        max_value=FIGURE_MAX,
        error_messages={
            "required": _("Enter a number (0 if none)."),
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class UnitReportForm(forms.Form):
    """New figures for a unit, checked against the rules and against its last report.

    `version` is the unit version the page showed; `confirm_jump` comes with the button that
    confirms figures after the sharp-change warning.
    """

    available = _figure_field("available")
    occupied = _figure_field("occupied")
    reserved = _figure_field("reserved")
    closed = _figure_field("closed")
    installed = _figure_field("installed")
    extra = _figure_field("extra")
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    # Sent by the "record anyway" button of the sharp-change warning.
    confirm_jump = forms.BooleanField(required=False)

    def __init__(self, *args, unit: Unit, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("prefix", f"unit-{unit.pk}")
        kwargs.setdefault("initial", {**unit.figures(), "version": unit.version})
        super().__init__(*args, **kwargs)
        self.unit = unit
        # (label, last reported, new) of each figure that changes sharply.
        self.jumps: list[tuple[str, int, int]] = []

    def clean(self) -> dict:
        data = super().clean()
        if any(name in self.errors for name in FIGURES):
            return data
        for name, message in figures_errors({n: data[n] for n in FIGURES}).items():
            self.add_error(name, message)
        if self.errors or data.get("confirm_jump") or data.get("version") != self.unit.version:
            # A stale version is the service's to refuse: the page then shows the newer figures.
            return data
        if self.unit.version == 0:  # never reported: nothing to jump from
            return data
        previous = self.unit.figures()
        self.jumps = [
            (FIGURE_LABELS[name], previous[name], data[name])
            for name in figures_jumps(previous, {n: data[n] for n in FIGURES})
        ]
        if self.jumps:
            raise forms.ValidationError(
                _("Some figures change sharply from the last report: check and confirm."),
                code="jump",
            )
        return data

    @property
    def figures(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in FIGURES}

    def ordered_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FIGURES_BY_USE]


class UnitUnchangedForm(forms.Form):
    """Nothing changed: records the unit's last figures again, if nobody changed them since."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, unit: Unit, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("prefix", f"unit-{unit.pk}")
        super().__init__(*args, **kwargs)
        self.unit = unit

    @property
    def figures(self) -> dict[str, int]:
        return self.unit.figures()
