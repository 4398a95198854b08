"""The dispatcher's search form: a point (coordinates or a commune), a unit kind, a minimum."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beds.filters import MAX_RADIUS_KM
from beds.models import FIGURE_MAX, UnitKind
from maps.builders import kind_name
from maps.selectors import Commune, communes_matching, fold

DEFAULT_RADIUS_KM = 50
# "45.75, 4.85", "45.75 4.85", "45.75;4.85", or with decimal commas "45,75; 4,85" / "45,75 4,85".
_POINT_DOT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_POINT_COMMA = re.compile(r"^\s*(-?\d{1,3}(?:,\d+)?)\s*[;\s]\s*(-?\d{1,3}(?:,\d+)?)\s*$")


def parse_point(text: str) -> tuple[float, float] | None:
    """Latitude and longitude typed as text, or None when `text` is not a pair of numbers."""
    for pattern in (_POINT_DOT, _POINT_COMMA):
        match = pattern.match(text)
        if match:
            return float(match[1].replace(",", ".")), float(match[2].replace(",", "."))
    return None


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, f"{k.value} — {kind_name(k.value)}") for k in UnitKind]


class DispatchForm(forms.Form):
    place = forms.CharField(
        label=gettext_lazy("Point de départ"),
        max_length=120,
        help_text=gettext_lazy(
            "Cliquez sur la carte, ou saisissez « latitude, longitude » ou une commune "
            "(nom ou code postal)."
        ),
        error_messages={
            "required": gettext_lazy(
                "Choisissez un point : cliquez sur la carte, ou saisissez des coordonnées ou "
                "une commune."
            )
        },
        widget=forms.TextInput(attrs={"list": "bw-communes", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Type d’unité"), choices=kind_choices)
    min_available = forms.IntegerField(
        label=gettext_lazy("Lits libres au moins"), min_value=1, max_value=FIGURE_MAX, initial=1
    )
    radius_km = forms.FloatField(
        label=gettext_lazy("Rayon (km)"),
        min_value=1,
        max_value=MAX_RADIUS_KM,
        initial=DEFAULT_RADIUS_KM,
    )

    def __init__(self, *args: object, communes: list[Commune], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.communes = communes
        self.point: tuple[float, float] | None = None
        self.place_label = ""

    def clean_place(self) -> str:
        text = self.cleaned_data["place"].strip()
        point = parse_point(text)
        if point is not None:
            lat, lon = point
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise forms.ValidationError(
                    _("« %(text)s » : la latitude va de -90 à 90 et la longitude de -180 à 180.")
                    % {"text": text}
                )
            self.point, self.place_label = (lat, lon), f"{lat:.5f}, {lon:.5f}"
            return text
        found = communes_matching(text, choices=self.communes)
        if not found:
            raise forms.ValidationError(
                _(
                    "« %(text)s » n’est ni des coordonnées (« 45.75, 4.85 ») ni une commune où se "
                    "trouve un hôpital : choisissez-en une dans la liste ou cliquez sur la carte."
                )
                % {"text": text}
            )
        # One town may have several postcodes (Lyon 69003, 69437 …): one place, at their mean.
        if len({(fold(c.name), c.postcode[:2]) for c in found}) > 1:
            raise forms.ValidationError(
                _("Plusieurs communes correspondent : %(list)s. Précisez le code postal.")
                % {"list": ", ".join(sorted(c.label for c in found))}
            )
        lat = sum(c.lat for c in found) / len(found)
        lon = sum(c.lon for c in found) / len(found)
        self.point = (lat, lon)
        self.place_label = found[0].label if len(found) == 1 else found[0].name
        return text
