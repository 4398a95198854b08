import csv
import io

import pytest

from beds.exports.csv import COLUMNS, capacity_csv
from tests.beds.exports_helpers import (
    seed_lyon,
)

URL = "/api/v1/exports/capacity.csv"


def rows(response):  # noqa: ANN001, ANN201
    text = response.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.django_db
def test_csv_has_one_row_per_unit_with_the_api_figures(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(carol)

    response = client.get(URL, {"region": "84"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bedwatch-capacity-84.csv"' in response["Content-Disposition"]
    assert response.content.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)
    table = {int(r["unit_id"]): r for r in rows(response)}
    api_units = {
        u["id"]: (h, u)
        for h in client.get("/api/v1/hospitals/", {"region": "84"}).json()["results"]
        for u in h["units"]
    }
    assert table.keys() == api_units.keys()
    for unit_id, (hospital, unit) in api_units.items():
        row = table[unit_id]
        assert row["finess"] == hospital["finess"] and row["hospital"] == hospital["name"]
        assert row["region"] == "84" and row["department"] == "69"
        assert row["kind"] == unit["kind"] and row["unit_label"] == unit["label"]
        for name in ("installed", "available", "occupied", "reserved", "closed", "extra"):
            assert int(row[name]) == unit[name]
        assert row["freshness"] == unit["freshness"]
        assert row["updated_at"] == (unit["updated_at"] or "")
    assert table[units["never"].pk]["freshness"] == "expired"


@pytest.mark.django_db
def test_csv_quotes_commas_quotes_and_keeps_accents(api, carol, alice, hospital_lyon):
    seed_lyon(hospital_lyon, alice)
    raw = api(carol).get(URL, {"region": "84"}).content.decode("utf-8")

    assert '"Clinique ""Saint-Jean"" & Cie"' in raw
    assert '"USIC, étage 3"' in raw
    assert "Brûlés" in raw
    assert raw.endswith("\r\n")


def test_csv_of_nothing_is_just_the_header():
    assert capacity_csv([]) == ",".join(COLUMNS) + "\r\n"


@pytest.mark.django_db
def test_csv_scope(api, carol, bob, alice, hospital_lyon, unit_paris):
    seed_lyon(hospital_lyon, alice)
    assert api(carol).get(URL, {"region": "11"}).status_code == 403
    assert api(None).get(URL).status_code == 401
    unknown = api(carol).get(URL, {"region": "00"})
    assert unknown.status_code == 400 and "region" in unknown.json()
    assert [r["unit_id"] for r in rows(api(bob).get(URL))] == [str(unit_paris.pk)]


@pytest.mark.django_db
def test_exports_and_fhir_writes_are_in_the_openapi_schema(api, erin):
    schema = api(erin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/exports/edxl-have.xml",
        "/api/v1/exports/fhir/Location",
        "/api/v1/exports/capacity.csv",
    ):
        assert "region" in [p["name"] for p in paths[path]["get"]["parameters"]]
    assert {"get", "put", "patch"} <= set(paths["/fhir/Location/{location_id}"])
    assert (
        "application/xml"
        in paths["/api/v1/exports/edxl-have.xml"]["get"]["responses"]["200"]["content"]
    )
