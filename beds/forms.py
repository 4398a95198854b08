"""Forms of the staff page: they validate and explain; the service writes."""

from __future__ import annotations

from collections.abc import Mapping

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
        """The figure fields, each with `current`: the unit's recorded value (the page's script
        compares them to tell whether "Nothing changed" still means what it says)."""
        current = self.unit.figures()
        fields = [self[name] for name in FIGURES_BY_USE]
        for field in fields:
            field.current = current[field.name]
        return fields

    @property
    def edited(self) -> bool:
        """The figures shown differ from the unit's recorded ones."""
        current = self.unit.figures()
        return any(str(self[name].value()).strip() != str(current[name]) for name in FIGURES)


def figure_changes(unit: Unit, data: Mapping[str, str], prefix: str) -> list[tuple[str, int, str]]:
    """(label, recorded, typed) of each figure posted with a value other than the recorded one;
    a figure not posted at all is not a change."""
    current = unit.figures()
    changes = []
    for name in FIGURES_BY_USE:
        typed = data.get(f"{prefix}-{name}")
        if typed is None:
            continue
        typed = typed.strip()
        try:
            same = int(typed) == current[name]
        except ValueError:
            same = False
        if not same:
            changes.append((FIGURE_LABELS[name], current[name], typed))
    return changes


class UnitUnchangedForm(forms.Form):
    """Nothing changed: records the unit's last figures again, if nobody changed them since,
    and only if the figures posted with it (the card's fields) are still those figures: a
    typed "0 available" is never confirmed as the old "1 available"."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, unit: Unit, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("prefix", f"unit-{unit.pk}")
        super().__init__(*args, **kwargs)
        self.unit = unit
        # (label, recorded, typed) of each figure edited on the card.
        self.changes: list[tuple[str, int, str]] = []

    def clean(self) -> dict:
        data = super().clean()
        if data.get("version") != self.unit.version:
            # A stale version is the service's to refuse: the page then shows the newer figures.
            return data
        self.changes = figure_changes(self.unit, self.data, self.prefix)
        if self.changes:
            raise forms.ValidationError(
                _(
                    "You changed figures, so “Nothing changed” would record the old ones: "
                    "nothing was recorded. Your figures are still in the form: save them, or "
                    "put the recorded ones back."
                ),
                code="changed",
            )
        return data

    @property
    def figures(self) -> dict[str, int]:
        return self.unit.figures()
