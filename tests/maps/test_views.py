"""Who sees which map, and the dispatcher's search (docs/api.md, docs/maps.md).

carol coordinates région 84 (Lyon); dave is a dispatcher (reads the whole country); erin is an
admin; alice is staff in Lyon, bob staff in Paris.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from accounts.models import Role
from beds.models import UnitKind
from regions.models import Department, Region
from tests.factories import HospitalFactory, UnitFactory, UserFactory
from tests.helpers import session_client


def map_data(response) -> dict:  # noqa: ANN001
    """The page's #bw-map-data, its hospitals expanded into the API's objects."""
    html = response.content.decode()
    found = re.search(
        r'<script id="bw-map-data" type="application/json"[^>]*>(.*?)</script>', html, re.S
    )
    assert found, "no #bw-map-data"
    data = json.loads(found[1])
    fields = data["fields"]
    data["hospitals"] = [
        dict(zip(fields["hospital"], row, strict=True)) for row in data["hospitals"]
    ]
    for h in data["hospitals"]:
        h["units"] = [dict(zip(fields["unit"], u, strict=True)) for u in h["units"]]
    return data


def no_script_table(html: str) -> str:
    """The page's table for clients without script, checked to sit inside <noscript>."""
    start = html.index('<noscript><table class="bw-table bw-fallback">')
    return html[start : html.index("</noscript>", start)]


def finesses(response) -> list[str]:  # noqa: ANN001
    """The hospitals of a map page (its markers and table rows are drawn from these)."""
    return [h["finess"] for h in map_data(response)["hospitals"]]


@pytest.fixture
def world(unit_lyon, unit_paris):  # noqa: ANN001, ANN201
    return unit_lyon, unit_paris


# --- access ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/maps/", "/maps/regions/84/", "/dispatch/"])
def test_anonymous_is_sent_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_staff_cannot_open_the_national_map_or_dispatch(alice):
    assert session_client(alice).get("/maps/").status_code == 403
    assert session_client(alice).get("/dispatch/").status_code == 403


@pytest.mark.django_db
def test_staff_reads_their_regions_map_only(alice, world):
    # docs/api.md: staff may read "its region's map".
    assert session_client(alice).get("/maps/regions/84/").status_code == 200
    assert session_client(alice).get("/maps/regions/11/").status_code == 403


@pytest.mark.django_db
def test_coordinator_reads_their_region_not_others(carol, world):
    response = session_client(carol).get("/maps/regions/84/")
    assert response.status_code == 200
    assert finesses(response) == ["690783154"]
    assert session_client(carol).get("/maps/regions/11/").status_code == 403
    assert session_client(carol).get("/dispatch/").status_code == 403


@pytest.mark.django_db
def test_coordinator_national_map_shows_only_their_regions(carol, world):
    response = session_client(carol).get("/maps/")
    assert response.status_code == 200
    assert finesses(response) == ["690783154"]
    assert "/ws/regions/84/" in response.content.decode()
    assert "/ws/national/" not in response.content.decode()


@pytest.mark.django_db
def test_dispatcher_and_admin_read_the_whole_country(dave, erin, world):
    for user in (dave, erin):
        response = session_client(user).get("/maps/")
        assert response.status_code == 200
        assert sorted(finesses(response)) == ["690783154", "750100125"]
        assert "/ws/national/" in response.content.decode()
        assert session_client(user).get("/maps/regions/11/").status_code == 200
        assert session_client(user).get("/dispatch/").status_code == 200


@pytest.mark.django_db
def test_unknown_region_is_404_and_overseas_department_code_works(erin):
    assert session_client(erin).get("/maps/regions/99/").status_code == 404
    response = session_client(erin).get("/maps/regions/971/")  # Guadeloupe by its département code
    assert response.status_code == 200
    assert Region.objects.get(code="01").name in response.content.decode()


@pytest.mark.django_db
def test_bad_kind_is_400_naming_the_field(carol, world):
    response = session_client(carol).get("/maps/regions/84/?kind=ICU")
    assert response.status_code == 400
    assert "kind" in response.content.decode() and "ICU" in response.content.decode()


@pytest.mark.django_db
def test_home_sends_coordinators_and_dispatchers_to_their_map(carol, dave, alice, world):
    assert session_client(carol).get("/")["Location"] == "/maps/regions/84/"
    assert session_client(dave).get("/")["Location"] == "/maps/"
    assert session_client(alice).get("/")["Location"] == "/beds/"
    two = UserFactory(
        role=Role.COORDINATOR, regions=list(Region.objects.filter(code__in=["84", "11"]))
    )
    assert session_client(two).get("/")["Location"] == "/maps/"


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_regional_page_lists_hospitals_with_units_and_totals(carol, world):
    lonely = HospitalFactory(name="Sans unité")  # no critical-care unit: not listed
    stale = UnitFactory(
        hospital=world[0].hospital, label="USIC", kind=UnitKind.USIC, updated_at=None
    )
    response = session_client(carol).get("/maps/regions/84/")
    html = response.content.decode()
    assert lonely.finess not in html
    # The hospitals are sent once, as data for the markers, popups and table rows.
    (herriot,) = map_data(response)["hospitals"]
    units = {u["id"]: u for u in herriot["units"]}
    assert units[world[0].pk]["available"] == 3 and units[world[0].pk]["freshness"] == "fresh"
    assert units[stale.pk]["updated_at"] is None and units[stale.pk]["freshness"] == "expired"
    assert re.search(r'data-total-kind="REA".*?data-total="available">3<', html, re.S)
    assert re.search(r'data-total-all="stale">1<', html)  # the never-reported unit
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert "<tbody data-bw-rows></tbody>" in html  # drawn by maps.js
    # Clients without script (a SAMU centre's tool) read every unit's figures in <noscript>.
    fallback = no_script_table(html)
    assert f'data-unit-id="{world[0].pk}" data-available="3"' in fallback
    assert f'data-unit-id="{stale.pk}" data-available="{stale.available}"' in fallback
    assert "{#" not in html and "{%" not in html  # no template text leaks into the page


@pytest.mark.django_db
def test_pages_load_nothing_from_another_host(dave, world, settings):
    settings.BEDWATCH_TILES_URL = ""
    for path in (
        "/maps/",
        "/maps/regions/84/",
        "/dispatch/?place=Lyon&kind=REA&min_available=1&radius_km=50",
    ):
        html = session_client(dave).get(path).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path
        assert not re.search(r"https?://", html), re.findall(r"https?://\S+", html)


@pytest.mark.django_db
def test_outlines_ship_with_the_project_and_are_drawn_with_no_setting(carol, dave, world, settings):
    settings.BEDWATCH_REGIONS_GEOJSON = ""
    settings.BEDWATCH_DEPARTMENTS_GEOJSON = ""
    html = session_client(carol).get("/maps/regions/84/").content.decode()
    # The région's départements (shaded), its outline, the markers.
    assert html.count("L.geoJson(") == 3
    assert '"code": "69"' in html and '"code": "75"' not in html
    assert '"className": "bw-dept bw-dt-normal"' in html  # the Rhône's beds: 3 free of 10
    national = session_client(dave).get("/maps/").content.decode()
    assert national.count("L.geoJson(") == 3
    assert '"code": "971"' in national and '"code": "06"' in national  # overseas included
    # The overseas régions, one tap away.
    assert national.count("data-bw-view=") == 6


@pytest.mark.django_db
def test_an_operators_outline_files_replace_the_shipped_ones(carol, world, settings, tmp_path):
    only_rhone = tmp_path / "departements.geojson"
    only_rhone.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "69", "nom": "Rhone maison"},
                        "geometry": {"type": "Point", "coordinates": [4.8, 45.7]},
                    }
                ],
            }
        )
    )
    settings.BEDWATCH_DEPARTMENTS_GEOJSON = str(only_rhone)
    html = session_client(carol).get("/maps/regions/84/").content.decode()
    assert "Rhone maison" in html and '"code": "01"' not in html
    settings.BEDWATCH_DEPARTMENTS_GEOJSON = "/nonexistent.geojson"  # a bad path: none, no error
    response = session_client(carol).get("/maps/regions/84/")
    assert response.status_code == 200 and response.content.decode().count("L.geoJson(") == 2


# --- dispatch -------------------------------------------------------------------------------


@pytest.fixture
def around_lyon(db):  # noqa: ANN001, ANN201
    """Three hospitals east of a point in Lyon, 2, 10 and 30 km away, and one with no bed."""
    rhone = Department.objects.get(code="69")
    near = HospitalFactory(
        name="Près", lat=45.75, lon=4.8757, city="Lyon", postcode="69003", department=rhone
    )
    mid = HospitalFactory(
        name="Moyen", lat=45.75, lon=4.9786, city="Bron", postcode="69500", department=rhone
    )
    far = HospitalFactory(
        name="Loin", lat=45.75, lon=5.2357, city="Loin", postcode="38000", department=rhone
    )
    full = HospitalFactory(
        name="Plein", lat=45.75, lon=4.86, city="Lyon", postcode="69003", department=rhone
    )
    UnitFactory(hospital=near, kind=UnitKind.REA, available=1, occupied=9)
    UnitFactory(hospital=mid, kind=UnitKind.REA, available=4, occupied=6)
    UnitFactory(hospital=far, kind=UnitKind.REA, available=2, occupied=8)
    UnitFactory(hospital=full, kind=UnitKind.REA, available=0, occupied=10)
    UnitFactory(hospital=full, kind=UnitKind.USIC, available=5, occupied=5)
    return near, mid, far, full


def results(response) -> list[str]:  # noqa: ANN001
    html = response.content.decode()
    return re.findall(r'<tr data-finess="(\w+)" class="bw-row bw-result">', html)


@pytest.mark.django_db
def test_dispatch_from_coordinates_lists_nearest_with_free_beds_first(dave, around_lyon, api):
    near, mid, far, full = around_lyon
    query = "place=45.75%2C+4.85&kind=REA&min_available=1&radius_km=50"
    response = session_client(dave).get(f"/dispatch/?{query}")
    assert response.status_code == 200
    assert results(response) == [near.finess, mid.finess, far.finess]
    # The same search as the API.
    body = (
        api(dave)
        .get("/api/v1/hospitals/?near=45.75,4.85&kind=REA&min_available=1&radius_km=50")
        .json()
    )
    assert [h["finess"] for h in body["results"]] == results(response)
    html = response.content.decode()
    assert "2.0 km" in html or "2,0 km" in html
    assert near.phone in html
    # The full hospital is on the page for live updates, but hidden.
    assert f'<tr data-finess="{full.finess}" class="bw-row bw-result" hidden>' in html


@pytest.mark.django_db
def test_dispatch_minimum_and_radius_narrow_the_results(dave, around_lyon):
    near, mid, far, _full = around_lyon
    response = session_client(dave).get(
        "/dispatch/?place=45.75,4.85&kind=REA&min_available=2&radius_km=20"
    )
    assert results(response) == [mid.finess]


@pytest.mark.django_db
def test_dispatch_from_a_commune_or_postcode(dave, around_lyon):
    near, mid, far, full = around_lyon
    by_postcode = session_client(dave).get(
        "/dispatch/?place=69500&kind=REA&min_available=1&radius_km=50"
    )
    # From the commune's own point (the gazetteer's), not from its hospitals'.
    assert "Depuis Bron (69500, Rhône)" in by_postcode.content.decode()
    assert set(results(by_postcode)) == {near.finess, mid.finess, far.finess}
    by_name = session_client(dave).get(
        "/dispatch/?place=bron&kind=REA&min_available=1&radius_km=50"
    )
    assert results(by_name) == results(by_postcode)
    labelled = session_client(dave).get(
        "/dispatch/?place=Bron+%2869500%29&kind=REA&min_available=1&radius_km=50"
    )
    assert results(labelled) == results(by_postcode)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("place=&kind=REA&min_available=1&radius_km=50", "place", "Choisissez un point"),
        ("place=Atlantide&kind=REA&min_available=1&radius_km=50", "place", "Atlantide"),
        ("place=95,4.85&kind=REA&min_available=1&radius_km=50", "place", "latitude"),
        ("place=Lyon&kind=ICU&min_available=1&radius_km=50", "kind", "ICU"),
        ("place=Lyon&kind=REA&min_available=0&radius_km=50", "min_available", ""),
        ("place=Lyon&kind=REA&min_available=1&radius_km=5000", "radius_km", ""),
        ("place=Lyon&kind=REA&min_available=deux&radius_km=50", "min_available", ""),
    ],
)
def test_dispatch_bad_input_is_a_form_error(dave, around_lyon, query, field, message):
    response = session_client(dave).get(f"/dispatch/?{query}")
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not results(response)


@pytest.mark.django_db
def test_dispatch_ambiguous_commune_searches_from_one_and_offers_the_others(dave, db):
    # dave dispatches for Auvergne-Rhône-Alpes, which has no Saint-Denis: the largest one.
    response = session_client(dave).get(
        "/dispatch/?place=saint+denis&kind=REA&min_available=1&radius_km=50"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Depuis Saint-Denis (97400, La Réunion)" in html
    assert "« saint denis » peut aussi désigner" in html
    assert "/dispatch/?place=Saint-Denis+%2893200%29&amp;kind=REA&amp;min_available=1" in html


@pytest.mark.django_db
def test_dispatch_without_a_search_shows_the_form_and_map(dave):
    response = session_client(dave).get("/dispatch/")
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    html = response.content.decode()
    assert 'data-places-url="/api/v1/places/"' in html and "autofocus" in html


@pytest.mark.django_db
def test_kind_in_the_query_selects_the_kind_shown(carol, world):
    usic = UnitFactory(
        hospital=world[0].hospital, label="USIC", kind=UnitKind.USIC, available=4, occupied=6
    )
    other = HospitalFactory(name="Réa seulement")
    UnitFactory(hospital=other, kind=UnitKind.REA, available=2, occupied=8)
    response = session_client(carol).get("/maps/regions/84/?kind=USIC")
    assert response.status_code == 200
    data = map_data(response)
    assert data["kind"] == "USIC"  # maps.js colours markers and rows by this kind
    assert {u["kind"] for h in data["hospitals"] for u in h["units"]} == {"REA", "USIC"}
    assert usic.pk in {u["id"] for h in data["hospitals"] for u in h["units"]}
    assert 'value="USIC" selected' in response.content.decode().replace('\\"', '"')


@pytest.mark.django_db
def test_map_pages_are_french_by_default_and_english_on_request(dave, world):
    french = session_client(dave).get("/maps/regions/84/").content.decode()
    assert "Total de la zone" in french and "Lits libres du type choisi" in french
    english = (
        session_client(dave).get("/maps/regions/84/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "Area totals" in english and "Free beds of the chosen kind" in english
    response = session_client(dave).get(
        "/dispatch/?place=Atlantide&kind=REA&min_available=1&radius_km=50"
    )
    assert "aucune commune, aucun code postal" in response.content.decode()


@pytest.mark.django_db
def test_map_hospitals_are_the_apis_hospitals_with_units(dave, carol, world):
    """The map's plain-row read gives the hospitals as `hospital_to_dict` shapes them, in scope."""
    from django.utils import timezone

    from beds.selectors import hospital_to_dict
    from maps.selectors import map_hospitals

    HospitalFactory(name="Sans unité")
    closed = HospitalFactory(name="Fermé", active=False)
    UnitFactory(hospital=closed)
    UnitFactory(hospital=world[0].hospital, kind=UnitKind.USIC, label="B", updated_at=None)
    now = timezone.now()
    expected = [
        hospital_to_dict(h, now=now, units=h.units.order_by("kind", "label"))
        for h in HospitalFactory._meta.model.objects.filter(active=True, units__isnull=False)
        .distinct()
        .order_by("name", "finess")
    ]
    assert map_hospitals(user=dave, region=None, now=now) == expected
    assert [h["finess"] for h in expected] == ["690783154", "750100125"]
    # A coordinator's national map: their régions only; a région's map: that région only.
    ara = Region.objects.get(code="84")
    assert map_hospitals(user=carol, region=None, now=now) == expected[:1]
    assert map_hospitals(user=dave, region=ara, now=now) == expected[:1]


@pytest.mark.django_db
def test_the_national_pages_no_script_table_has_every_unit_in_scope_as_text(dave, db):
    hospital = HospitalFactory(name="<b>Gras</b> & Cie", phone="04 72 11 00 00")
    unit = UnitFactory(hospital=hospital, label="<i>Réa</i>", available=4, occupied=6)
    html = session_client(dave).get("/maps/").content.decode()
    fallback = no_script_table(html)
    assert f'<tr data-unit-id="{unit.pk}" data-available="4">' in fallback
    assert "&lt;b&gt;Gras&lt;/b&gt; &amp; Cie" in fallback and "<b>" not in fallback
    assert "&lt;i&gt;Réa&lt;/i&gt;" in fallback and "04 72 11 00 00" in fallback


@pytest.mark.django_db
def test_a_regions_map_tells_its_own_time_zone_and_the_national_map_each_hospitals(erin, world):
    guadeloupe = HospitalFactory(department=Department.objects.get(code="971"), finess="970100001")
    UnitFactory(hospital=guadeloupe)
    html = session_client(erin).get("/maps/regions/01/").content.decode()
    assert '<html lang="fr" data-time-zone="America/Guadeloupe">' in html
    assert "America/Guadeloupe" in html.split("data-bw-zone-note")[1][:200]
    national = session_client(erin).get("/maps/")
    assert 'data-time-zone="Europe/Paris"' in national.content.decode()
    zones = map_data(national)["timeZones"]
    assert zones == {"01": "America/Guadeloupe", "84": "Europe/Paris", "11": "Europe/Paris"}
