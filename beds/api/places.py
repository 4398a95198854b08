"""`GET /api/v1/places/?q=TEXT`: communes for a text, best first (the dispatch page's
suggestions use it too)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beds.places import home_departments
from regions.gazetteer import MAX_QUERY_LENGTH, place_search

LIMIT = 8


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="accented, as INSEE writes it")
    insee = serializers.CharField(help_text="INSEE commune (or arrondissement) code")
    postcode = serializers.CharField()
    department = serializers.CharField(help_text="INSEE département code")
    region = serializers.CharField(help_text="INSEE région code")
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class PlaceListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=(
                    f"1 to {MAX_QUERY_LENGTH} characters: a commune name or its beginning (case, "
                    "accents and hyphens do not matter; St/Ste for Saint/Sainte), a postcode or "
                    "its beginning, an INSEE code, or an arrondissement (Lyon 3e, Paris 15e)"
                ),
            )
        ],
        responses=PlaceSerializer(many=True),
        description=(
            f"Up to {LIMIT} communes, best first: what the text names exactly, then names "
            "starting with it; ambiguous names prefer the caller's own départements (those of "
            "the régions and hospitals on their account), then the larger population. "
            "[] when nothing matches."
        ),
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not q:
            raise ValidationError({"q": [_("q: type a commune, a postcode or an INSEE code.")]})
        if len(q) > MAX_QUERY_LENGTH:
            raise ValidationError(
                {
                    "q": [
                        _("q: %(length)s characters; at most %(max)s.")
                        % {"length": len(q), "max": MAX_QUERY_LENGTH}
                    ]
                }
            )
        places = place_search(q, department=home_departments(request.user), limit=LIMIT)
        return Response([place.to_dict() for place in places])
