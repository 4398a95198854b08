"""Query-string filters of the hospitals list, validated by django-filter's form."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from beds.models import FIGURE_MAX, Freshness, Hospital, UnitKind
from regions.gazetteer import BadCoordinates, place_resolve

MAX_RADIUS_KM = 1000


class NearField(forms.CharField):
    """A point: "LAT,LON", or any place the dispatch page accepts (a commune, a postcode, an
    INSEE code, "Lyon 3e"), resolved by the gazetteer; an ambiguous name takes the most
    populous commune."""

    default_error_messages = {
        "invalid": _(
            "near: “%(value)s” is neither LAT,LON in decimal degrees nor a known commune, "
            "postcode, INSEE code or arrondissement; e.g. 45.75,4.85, Villeurbanne, 69003, "
            "Lyon 3e."
        ),
        "range": _("Latitude must be within -90..90 and longitude within -180..180."),
    }

    def to_python(self, value):  # noqa: ANN001, ANN201
        value = super().to_python(value)
        if not value:
            return None
        try:
            found = place_resolve(value)
        except BadCoordinates:
            raise forms.ValidationError(self.error_messages["range"], code="range") from None
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value[:120]}
            )
        return (found.place.lat, found.place.lon)


class NearFilter(django_filters.Filter):
    field_class = NearField

    def filter(self, qs, value):  # noqa: ANN001, ANN201
        return qs  # applied by the selector, which also computes distances


class HospitalFilter(django_filters.FilterSet):
    """Validates the filters; `beds.selectors.hospital_search` applies them."""

    region = django_filters.CharFilter(max_length=3)
    department = django_filters.CharFilter(max_length=3)
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    min_available = django_filters.NumberFilter(min_value=0, max_value=FIGURE_MAX, decimal_places=0)
    freshness = django_filters.ChoiceFilter(choices=Freshness.choices)
    near = NearFilter()
    radius_km = django_filters.NumberFilter(min_value=0.001, max_value=MAX_RADIUS_KM)

    class Meta:
        model = Hospital
        fields: list[str] = []

    def filter_queryset(self, queryset):  # noqa: ANN001, ANN201
        return queryset

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if (
            valid
            and self.form.cleaned_data.get("radius_km") is not None
            and not self.form.cleaned_data.get("near")
        ):
            self.form.add_error("radius_km", _("radius_km needs near=LAT,LON."))
            return False
        return valid
