"""The dispatcher's search form: a place (any commune, postcode, INSEE code, arrondissement or
coordinates, read by the gazetteer), a unit kind, a minimum, a radius."""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beds.filters import MAX_RADIUS_KM
from beds.models import FIGURE_MAX, UnitKind
from maps.builders import kind_name
from regions.gazetteer import (
    MAX_QUERY_LENGTH,
    BadCoordinates,
    Place,
    department_name,
    place_close,
    place_resolve,
)

DEFAULT_RADIUS_KM = 50
# What the unknown-place message offers as examples (one of each form the field reads).
PLACE_EXAMPLES = "Villeurbanne, 69003, Saint-Étienne, Lyon 3e, 45.76, 4.84"


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, f"{k.value} — {kind_name(k.value)}") for k in UnitKind]


def place_text(place: Place) -> str:
    """A place as the page names it: "Villeurbanne (69100, Rhône)"."""
    if place.is_point:
        return place.name
    where = ", ".join(part for part in (place.postcode, department_name(place.department)) if part)
    return f"{place.name} ({where})"


class DispatchForm(forms.Form):
    place = forms.CharField(
        label=gettext_lazy("Starting point"),
        max_length=MAX_QUERY_LENGTH,
        help_text=gettext_lazy(
            "A commune, a postcode, an INSEE code, “Lyon 3e” or “latitude, longitude”; "
            "or click on the map."
        ),
        error_messages={
            "required": gettext_lazy(
                "Choose a point: click on the map, or type coordinates or a commune."
            )
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "spellcheck": "false",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "bw-place-suggestions",
            }
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Unit kind"), choices=kind_choices)
    min_available = forms.IntegerField(
        label=gettext_lazy("At least this many free beds"),
        min_value=1,
        max_value=FIGURE_MAX,
        initial=1,
    )
    radius_km = forms.FloatField(
        label=gettext_lazy("Radius (km)"),
        min_value=1,
        max_value=MAX_RADIUS_KM,
        initial=DEFAULT_RADIUS_KM,
    )

    def __init__(self, *args: object, departments: Collection[str] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.departments = departments  # the dispatcher's own, preferred for ambiguous names
        self.point: tuple[float, float] | None = None
        self.place_label = ""
        self.found: Place | None = None
        self.alternatives: tuple[Place, ...] = ()

    def clean_place(self) -> str:
        text = " ".join(self.cleaned_data["place"].split())
        try:
            resolved = place_resolve(text, department=self.departments)
        except BadCoordinates:
            raise forms.ValidationError(
                _("“%(text)s”: latitude goes from -90 to 90 and longitude from -180 to 180.")
                % {"text": text}
            ) from None
        if resolved is None:
            messages = [
                _(
                    "“%(text)s”: no commune, postcode, INSEE code or arrondissement goes by "
                    "that name. Try for instance: %(examples)s (latitude, longitude)."
                )
                % {"text": text, "examples": PLACE_EXAMPLES}
            ]
            close = place_close(text, department=self.departments)
            if close:
                messages.append(
                    _("Did you mean: %(list)s?") % {"list": ", ".join(p.label for p in close)}
                )
            raise forms.ValidationError(messages)
        self.found = resolved.place
        self.alternatives = resolved.alternatives
        self.point = (resolved.place.lat, resolved.place.lon)
        self.place_label = place_text(resolved.place)
        return text
