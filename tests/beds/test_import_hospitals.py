"""`import_hospitals`: the GISCO healthcare CSV as published, and damaged copies of it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beds.importer import department_of, normalise_phone, restore_finess
from beds.models import Hospital
from tests.factories import HospitalFactory

# The one data path: make test runs these on PostgreSQL too when it answers.
pytestmark = pytest.mark.databases

GISCO_FILE = "hospitals-fr-gisco-2020.csv"

HEADER = (
    "id,hospital_name,site_name,lat,lon,geo_qual,street,house_number,postcode,city,cc,country,"
    "cap_beds,cap_prac,cap_rooms,emergency,facility_type,public_private,list_specs,tel,email,url,"
    "ref_date,pub_date,comments"
)


def gisco_line(id_, name, lat, lon, postcode, city, tel="474454647", street="RUE X", number="1"):  # noqa: ANN001, ANN201
    return (
        f"{id_},{name},,{lat},{lon},1,{street},{number},{postcode},{city},FR,France,,,,,"
        f"Centre Hospitalier (C.H.),public,,{tel},,,06/03/2020,16/04/2020,"
    )


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hospitals", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    lines = [
        HEADER,
        gisco_line("10000024", "CH DE BOURG", "46.2222", "5.20879", "01440", "VIRIAT"),  # 2 good
        gisco_line("ABC", "NOT A FINESS", "46.2", "5.2", "01440", "VIRIAT"),  # 3
        gisco_line("10000032", "CH DE BELLEY", "", "5.68498", "01300", "BELLEY"),  # 4 no lat
        gisco_line("10000065", "CH DE TREVOUX", "45.94", "4.77", "69300", "TREVOUX"),  # 5 wrong dep
        "10000081,CH DU PAYS DE GEX,,46.3223",  # 6 truncated
        gisco_line("10000024", "CH DE BOURG AGAIN", "46.2", "5.2", "01440", "VIRIAT"),  # 7 dup
        gisco_line("2A0000022", "CH AJACCIO", "41.92", "8.73", "75001", "AJACCIO"),  # 8 wrong
        gisco_line("970100442", "CHU POINTE-A-PITRE", "16.26", "-61.49", "97139", "ABYMES"),  # 9
    ]
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Pure rules


def test_restore_finess_puts_the_leading_zero_back():
    assert restore_finess("10000024") == "010000024"
    assert restore_finess("690783154") == "690783154"
    assert restore_finess("2a0000022") == "2A0000022"
    assert restore_finess("1234") is None and restore_finess("2C0000022") is None


@pytest.mark.parametrize(
    ("finess", "postcode", "department"),
    [
        ("010000024", "01440", "01"),
        ("690783154", "69437", "69"),
        ("2A0000022", "20184", "2A"),
        ("2B0000012", "20604", "2B"),
        ("970100442", "97139", "971"),  # Guadeloupe
        ("970200028", "97214", "972"),  # Martinique
        ("970300026", "97306", "973"),  # Guyane
        ("970404588", "97826", "974"),  # La Réunion, CEDEX postcode
        ("980500011", "97600", "976"),  # Mayotte
        ("970500039", "97500", "975"),  # Saint-Pierre-et-Miquelon
    ],
)
def test_department_comes_from_finess_and_agrees_with_postcode(finess, postcode, department):
    assert department_of(finess, postcode) == (department, None)


@pytest.mark.parametrize(
    ("finess", "postcode"),
    [
        ("970500013", "97200"),  # Saint-Pierre-et-Miquelon with a Martinique postcode
        ("010000024", "69000"),
        ("970100442", "97200"),
        ("2A0000022", "75001"),
    ],
)
def test_department_is_refused_with_a_reason(finess, postcode):
    department, reason = department_of(finess, postcode)
    assert department is None and finess in reason


def test_phone_is_normalised():
    assert normalise_phone("474454647") == "04 74 45 46 47"
    assert normalise_phone("+33 4 74 45 46 47") == "04 74 45 46 47"
    assert normalise_phone("04.74.45.46.47") == "04 74 45 46 47"
    assert normalise_phone("") == ""
    assert normalise_phone("12") is None and normalise_phone("0074454647") is None


# The published file


@pytest.mark.django_db
def test_importing_the_gisco_file_twice_gives_each_establishment_once(shared_dir):
    gisco = shared_dir / "data" / GISCO_FILE
    first, _ = run(str(gisco))
    count = Hospital.objects.count()
    second, errors = run(str(gisco))

    assert count > 5000
    assert Hospital.objects.count() == count
    assert Hospital.objects.values("finess").distinct().count() == count
    assert " 0 created, 0 updated," in second
    assert f"{count} unchanged" in second
    # Every line is imported, Saint-Pierre-et-Miquelon's two included.
    assert "rejected" not in errors
    assert " 0 rejected" in first
    expected = {
        "010000024": "01",  # leading zero restored (Bourg-en-Bresse)
        "690783154": "69",  # Lyon
        "750100125": "75",  # Paris
        "590796975": "59",  # Lille
        "330781360": "33",  # Bordeaux
        "2A0000022": "2A",  # Ajaccio
        "2B0000012": "2B",  # Bastia
        "2B0000038": "2B",  # Corte (postcode 20250)
        "970100442": "971",  # Pointe-à-Pitre
        "970200028": "972",  # Le Lorrain
        "970300026": "973",  # Cayenne
        "970404588": "974",  # Le Port, CEDEX postcode 978xx
        "980500011": "976",  # Mayotte
        "970500013": "975",  # Saint-Pierre-et-Miquelon: USLD
        "970500039": "975",  # Saint-Pierre-et-Miquelon: CH François Dunan
    }
    found = dict(
        Hospital.objects.filter(finess__in=expected).values_list("finess", "department_id")
    )
    assert found == expected
    bourg = Hospital.objects.get(finess="010000024")
    assert bourg.phone == "04 74 45 46 47"
    assert bourg.address == "900 ROUTE DE PARIS" and bourg.postcode == "01440"


@pytest.mark.django_db
def test_reimport_updates_changed_hospitals_and_keeps_an_operators_phone(tmp_path):
    HospitalFactory(finess="010000024", name="Old name", phone="04 74 00 00 01")
    path = tmp_path / "one.csv"
    path.write_text(
        HEADER + "\n" + gisco_line("10000024", "CH DE BOURG", "46.2", "5.2", "01440", "VIRIAT")
    )
    out, _ = run(str(path))

    hospital = Hospital.objects.get(finess="010000024")
    assert "0 created, 1 updated" in out
    assert hospital.name == "CH DE BOURG" and hospital.department_id == "01"
    assert hospital.phone == "04 74 00 00 01"


# Damaged copies


@pytest.mark.django_db
def test_damaged_copy_gets_line_numbered_errors_and_imports_the_good_lines(damaged):
    out, errors = run(str(damaged))

    assert set(Hospital.objects.values_list("finess", flat=True)) == {"010000024", "970100442"}
    assert "line 3: id “ABC” is not a FINESS number" in errors
    assert "line 4: coordinates" in errors
    assert "line 5: FINESS 010000065 is in département 01 but postcode 69300 is not." in errors
    assert "line 6: fewer fields" in errors
    assert "line 7: FINESS 010000024 is already on line 2." in errors
    assert "line 8: FINESS 2A0000022" in errors
    assert "2 created, 0 updated, 0 unchanged, 6 rejected" in out


@pytest.mark.django_db
def test_strict_mode_refuses_the_whole_damaged_file(damaged):
    with pytest.raises(CommandError, match="--strict: 6 line"):
        run(str(damaged), "--strict")
    assert not Hospital.objects.exists()


@pytest.mark.django_db
def test_strict_mode_imports_a_clean_file(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text(
        HEADER + "\n" + gisco_line("2B0000012", "CH BASTIA", "42.69", "9.44", "20604", "BASTIA")
    )
    run(str(path), "--strict")
    assert Hospital.objects.get(finess="2B0000012").department_id == "2B"


@pytest.mark.django_db
def test_missing_file_is_an_error_with_a_message(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_wrong_header_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("finess,name\n010000024,CH\n")
    with pytest.raises(CommandError, match="header lacks id, hospital_name"):
        run(str(path))
    assert not Hospital.objects.exists()


@pytest.mark.django_db
def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "\n" + gisco_line("10000024", "HÔPITAL", "46", "5", "01440", "X")).encode(
            "latin-1"
        )
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(path))
    assert not Hospital.objects.exists()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only():
    from beds.management.commands.import_hospitals import ProgressBar

    terminal, pipe = FakeTerminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(stream, 200, "Importing")
        bar(100)
        bar(200)
    assert "\rImporting [###############...............] 100/200" in terminal.getvalue()
    assert terminal.getvalue().endswith("200/200\n")
    assert pipe.getvalue() == ""


def test_import_refreshes_the_planner_statistics_on_postgresql(postgres, tmp_path):
    # Right after a bulk import the planner must know the tables (the near search's plan).
    path = tmp_path / "one.csv"
    path.write_text(
        HEADER + "\n" + gisco_line("10000024", "CH DE BOURG", "46.2", "5.2", "01440", "VIRIAT")
    )
    with CaptureQueriesContext(postgres) as queries:
        run(str(path))

    analysed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analysed == ['ANALYZE "beds_hospital"', 'ANALYZE "beds_unit"']
    with postgres.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'beds_hospital'")
        assert cursor.fetchone()[0] > 0


@pytest.mark.django_db
def test_import_refreshes_the_planner_statistics_on_every_database(tmp_path):
    # The one raw statement of the import path: the same on SQLite and PostgreSQL.
    path = tmp_path / "one.csv"
    path.write_text(
        HEADER + "\n" + gisco_line("10000024", "CH DE BOURG", "46.2", "5.2", "01440", "VIRIAT")
    )
    with CaptureQueriesContext(connection) as queries:
        run(str(path))

    analysed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analysed == ['ANALYZE "beds_hospital"', 'ANALYZE "beds_unit"']


@pytest.mark.django_db
def test_import_that_changes_nothing_does_not_analyse(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(
        HEADER + "\n" + gisco_line("10000024", "CH DE BOURG", "46.2", "5.2", "01440", "VIRIAT")
    )
    run(str(path))
    with CaptureQueriesContext(connection) as queries:
        out, _ = run(str(path))

    assert "1 unchanged" in out
    assert not [q for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]


@pytest.mark.django_db
def test_saint_pierre_et_miquelon_is_imported_under_its_own_health_authority(tmp_path):
    # Its two establishments were refused ("not a département"); they now go to région and
    # département 975, as its Administration territoriale de santé stands for an ARS there.
    path = tmp_path / "spm.csv"
    path.write_text(
        HEADER
        + "\n"
        + gisco_line(
            "970500039",
            "CENTRE HOSPITALIER  FRANCOIS DUNAN",
            "46.773010",
            "-56.171526",
            "97500",
            "ST PIERRE ET MIQUELON",
        )
    )
    out, errors = run(str(path))

    hospital = Hospital.objects.get(finess="970500039")
    assert "1 created" in out and errors == ""
    assert hospital.department_id == "975"
    assert hospital.department.region.code == "975"
    assert hospital.department.region.name == "Saint-Pierre-et-Miquelon"
    assert hospital.name == "CENTRE HOSPITALIER FRANCOIS DUNAN"


@pytest.mark.django_db
def test_a_windows_1252_apostrophe_read_as_latin_1_is_put_back_and_a_real_control_refused(
    tmp_path,
):
    # GISCO's own file writes "D’IMAGERIE" with U+0092 (line 2950); U+0081 means nothing.
    path = tmp_path / "c1.csv"
    lines = [
        HEADER,
        gisco_line("10000024", "CTRE D\x92IMAGERIE", "46.2", "5.2", "01440", "VIRIAT"),
        gisco_line("10000032", "CH DE BEL\x81LEY", "45.75", "5.68", "01300", "BELLEY"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = run(str(path))
    assert Hospital.objects.get(finess="010000024").name == "CTRE D’IMAGERIE"
    assert not Hospital.objects.filter(finess="010000032").exists()
    assert "line 3" in err + out and "U+0081" in err + out
