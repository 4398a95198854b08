"""The commune gazetteer (`regions.gazetteer`): pure, no database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from regions import gazetteer as g


def test_fold_ignores_case_accents_hyphens_and_reads_st_as_saint():
    assert g.fold("Saint-Étienne") == g.fold("ST ETIENNE") == g.fold("st-étienne")
    assert g.fold("Ste-Foy-lès-Lyon") == "sainte foy les lyon"
    assert g.fold("L'Haÿ-les-Roses") == "l hay les roses"


@pytest.mark.parametrize(
    "text",
    ["Villeurbanne", "villeurbanne", "VILLEURBANNE", "69100", "69266", "Villeurbanne (69)"],
)
def test_a_name_a_postcode_or_an_insee_code_finds_the_commune(text):
    found = g.place_resolve(text)
    assert found is not None
    assert (found.place.name, found.place.department, found.place.region) == (
        "Villeurbanne",
        "69",
        "84",
    )
    assert 45.7 < found.place.lat < 45.8 and 4.8 < found.place.lon < 4.95


@pytest.mark.parametrize(
    ("text", "insee"),
    [
        ("Saint-Étienne", "42218"),
        ("saint etienne", "42218"),
        ("St-Etienne", "42218"),
        ("Ste Foy les Lyon", "69202"),
        ("Lyon 3e", "69383"),
        ("lyon 3", "69383"),
        ("Lyon 3ème arrondissement", "69383"),
        ("Paris 15e", "75115"),
        ("Paris 1er", "75101"),
        ("Marseille 8e", "13208"),
        ("2A004", "2A004"),
        ("Saint-Étienne (42000)", "42218"),
        ("42100 Saint-Étienne", "42218"),
    ],
)
def test_names_arrondissements_and_codes_resolve(text, insee):
    assert g.place_resolve(text).place.insee == insee


def test_a_postcode_of_an_arrondissement_is_the_arrondissement_and_offers_the_same_insee_code():
    # 69003 is Lyon 3e's postcode and Albigny-sur-Saône's INSEE code.
    found = g.place_resolve("69003")
    assert (found.place.name, found.place.postcode, found.how) == (
        "Lyon 3e Arrondissement",
        "69003",
        "postcode",
    )
    assert [p.insee for p in found.alternatives] == ["69003"]


def test_an_ambiguous_name_prefers_the_callers_department_then_population():
    anywhere = g.place_resolve("Saint-Martin")
    in_67 = g.place_resolve("saint martin", department="67")
    assert anywhere.place.department != "67"
    assert in_67.place.department == "67"
    assert len(anywhere.alternatives) >= 3
    pops = [p.population for p in anywhere.alternatives]
    assert pops == sorted(pops, reverse=True)
    assert anywhere.place.population >= pops[0]
    assert in_67.place.insee in {p.insee for p in anywhere.alternatives}


def test_a_name_with_a_department_picks_that_one():
    found = g.place_resolve("Saint-Martin (65)")
    assert found.place.department == "65"
    assert found.alternatives == ()


def test_coordinates_are_a_point_and_out_of_range_ones_are_refused():
    found = g.place_resolve("45.76, 4.84")
    assert (found.how, found.place.lat, found.place.lon, found.place.insee) == (
        "point",
        45.76,
        4.84,
        "",
    )
    assert g.place_resolve("45,76 4,84").place.lon == 4.84
    with pytest.raises(g.BadCoordinates):
        g.place_resolve("145.76, 4.84")


@pytest.mark.parametrize("text", ["", "   ", "Zzzzville", "99999", "Lyon 12e", "Paris 21e"])
def test_unknown_text_resolves_to_nothing(text):
    assert g.place_resolve(text) is None


def test_search_suggests_while_typing_best_first_with_the_callers_department_ahead():
    assert [p.name for p in g.place_search("villeu")][:1] == ["Villeurbanne"]
    # "etienne" finds Saint-Étienne by its second word, before smaller namesakes.
    assert g.place_search("etienne", department="69")[0].insee == "42218"
    local = g.place_search("vi", department="69")
    assert local[0].name == "Villeurbanne"
    assert len(g.place_search("sa")) == 8
    assert len(g.place_search("sa", limit=3)) == 3
    assert g.place_search("69100")[0].name == "Villeurbanne"
    assert all(p.postcode.startswith("690") for p in g.place_search("690"))


def test_search_finds_nothing_for_unknown_text_or_coordinates():
    assert g.place_search("zzzz") == []
    assert g.place_search("45.76, 4.84") == []
    assert g.place_search("145.76, 4.84") == []


def test_close_places_forgive_a_typo_at_the_end():
    assert g.place_close("Saint-Etiene", department="42")[0].insee == "42218"
    assert g.place_close("Villeurbane")[0].insee == "69266"
    assert g.place_close("Zzzzville") == []


def test_commune_for_reads_postal_addresses():
    assert g.commune_for(postcode="03170", city="ST ANGEL").insee == "03217"
    assert g.commune_for(postcode="69003", city="LYON").insee == "69383"
    assert g.commune_for(postcode="69437", city="LYON CEDEX 03").insee == "69123"
    assert g.commune_for(postcode="69100", city="").insee == "69266"
    # 01400 serves several communes: the postcode alone does not decide.
    assert g.commune_for(postcode="01400", city="") is None
    assert g.commune_for(postcode="01400", city="NOWHERE") is None
    assert g.commune_for(postcode="2A000", city="AJACCIO") is None


def test_every_place_has_a_department_name():
    missing = {
        p.department for p in g._index().by_insee.values() if not g.department_name(p.department)
    }
    assert missing == set()


def test_the_shipped_file_is_what_build_gazetteer_derives(shared_dir: Path, tmp_path: Path):
    out = tmp_path / "communes.csv"
    call_command(
        "build_gazetteer", source=shared_dir / "data" / "communes", output=out, stdout=io.StringIO()
    )
    assert out.read_bytes() == g.DATA_FILE.read_bytes()
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 34_000
    assert g.DATA_FILE.stat().st_size < 3_000_000
