"""The hospitals list's filters: django-filter validates the query string and applies them,
for the API's query string and the selectors' keyword arguments alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beds.capacity import freshness_bounds
from beds.geometry import DEFAULT_RADIUS_KM, bounding_box
from beds.models import FIGURE_MAX, Freshness, Hospital, Unit, UnitKind
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
    """`near=LAT,LON`: applied with `radius_km` by `HospitalFilter.filter_values`."""

    field_class = NearField


class ValuesFilterSet(django_filters.FilterSet):
    """A FilterSet that also applies values already validated and typed (the selectors' keyword
    arguments), through the same filters as a query string."""

    def __init__(self, data=None, queryset=None, *, now: datetime | None = None, **kwargs):  # noqa: ANN001, ANN003
        super().__init__(data, queryset, **kwargs)
        self.now = now or timezone.now()

    def filter_values(self, queryset: QuerySet, values: Mapping[str, object]) -> QuerySet:
        for name, value in values.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.filter_values(queryset, self.form.cleaned_data)


class UnitFilter(ValuesFilterSet):
    """Units of a kind, with at least so many beds free, of a freshness at `now`."""

    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    min_available = django_filters.NumberFilter(
        field_name="available",
        lookup_expr="gte",
        min_value=0,
        max_value=FIGURE_MAX,
        decimal_places=0,
    )
    freshness = django_filters.ChoiceFilter(choices=Freshness.choices, method="filter_freshness")

    class Meta:
        model = Unit
        fields: list[str] = []

    def filter_freshness(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        oldest, newest = freshness_bounds(value, now=self.now)
        if value == Freshness.EXPIRED:  # never reported counts as expired
            return queryset.filter(Q(updated_at__isnull=True) | Q(updated_at__lt=newest))
        if value == Freshness.FRESH:
            return queryset.filter(updated_at__gt=oldest)
        if value == Freshness.STALE:
            return queryset.filter(updated_at__gte=oldest, updated_at__lte=newest)
        return queryset.filter(updated_at__gt=oldest, updated_at__lte=newest)


class HospitalFilter(ValuesFilterSet):
    """The hospitals list's filters. `kind`, `min_available` and `freshness` keep hospitals
    having at least one unit that matches all three together (`UnitFilter`); `near` keeps
    those in the bounding box of the `radius_km` circle (default 50), on the indexed latitude
    and longitude: the exact distance and the order are `beds.selectors.hospital_search`'s,
    which applies this FilterSet."""

    region = django_filters.CharFilter(field_name="department__region", max_length=3)
    department = django_filters.CharFilter(field_name="department", max_length=3)
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    min_available = django_filters.NumberFilter(min_value=0, max_value=FIGURE_MAX, decimal_places=0)
    freshness = django_filters.ChoiceFilter(choices=Freshness.choices)
    near = NearFilter()
    radius_km = django_filters.NumberFilter(min_value=0.001, max_value=MAX_RADIUS_KM)

    class Meta:
        model = Hospital
        fields: list[str] = []

    def filter_values(self, queryset: QuerySet, values: Mapping[str, object]) -> QuerySet:
        values = dict(values)
        unit_values = {name: values.pop(name, None) for name in UnitFilter.base_filters}
        near, radius_km = values.pop("near", None), values.pop("radius_km", None)
        queryset = super().filter_values(queryset, values)
        if any(value not in (None, "") for value in unit_values.values()):
            units = UnitFilter(now=self.now).filter_values(Unit.objects.all(), unit_values)
            queryset = queryset.filter(pk__in=units.values("hospital_id"))
        if near:
            radius = float(radius_km) if radius_km is not None else DEFAULT_RADIUS_KM
            min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], radius)
            queryset = queryset.filter(
                lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
            )
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
