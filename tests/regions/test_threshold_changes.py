"""Every change of a région's alert thresholds is audited: who, when, before and after."""

import pytest

from regions.models import Region, ThresholdChange
from regions.services import region_thresholds_update
from tests.helpers import session_client

CHANGES = "/api/v1/regions/84/threshold-changes/"


def patch(client, body):  # noqa: ANN001, ANN201
    return client.patch("/api/v1/regions/84/", body, format="json")


def test_coordinators_change_is_recorded_with_before_and_after(api, carol, region_ara):
    assert patch(api(carol), {"tension_occupancy_pct": 80}).status_code == 200
    assert patch(api(carol), {"tension_available_max": 3}).status_code == 200

    response = api(carol).get(CHANGES)
    assert response.status_code == 200
    newest, oldest = response.json()["results"]
    assert oldest["changed_by"] == "carol" and oldest["role"] == "coordinator"
    assert oldest["source"] == "api"
    assert oldest["before"] == {"tension_occupancy_pct": 90, "tension_available_max": 1}
    assert oldest["after"] == {"tension_occupancy_pct": 80, "tension_available_max": 1}
    assert newest["before"] == oldest["after"]
    assert newest["after"] == {"tension_occupancy_pct": 80, "tension_available_max": 3}
    assert newest["changed_at"] >= oldest["changed_at"]


def test_a_patch_that_changes_nothing_records_nothing(api, carol, region_ara):
    assert patch(api(carol), {"tension_occupancy_pct": 90}).status_code == 200
    assert not ThresholdChange.objects.exists()


def test_a_refused_threshold_records_nothing(api, carol, region_ara):
    response = patch(api(carol), {"tension_occupancy_pct": 0, "tension_available_max": 2})
    assert response.status_code == 400 and "tension_occupancy_pct" in response.json()
    assert not ThresholdChange.objects.exists()
    assert Region.objects.get(code="84").tension_available_max == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 403), ("dave", 403), ("erin", 200), (None, 401)],
)
def test_the_audit_is_for_the_regions_coordinators_and_admins(
    request, api, alice, dave, erin, region_ara, who, status
):
    user = request.getfixturevalue(who) if who else None
    assert api(user).get(CHANGES).status_code == status


def test_another_regions_coordinator_cannot_read_it(api, carol, region_idf):
    assert api(carol).get("/api/v1/regions/11/threshold-changes/").status_code == 403
    assert api(carol).get("/api/v1/regions/00/threshold-changes/").status_code == 404


def test_changes_are_append_only(carol, region_ara):
    region_thresholds_update(region=region_ara, user=carol, tension_occupancy_pct=70)
    change = ThresholdChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
    with pytest.raises(TypeError):
        ThresholdChange.objects.update(occupancy_pct_after=1)
    with pytest.raises(TypeError):
        ThresholdChange.objects.all().delete()
    assert ThresholdChange.objects.get().occupancy_pct_after == 70


def test_an_admin_edit_through_django_admin_is_audited(erin, region_ara):
    client = session_client(erin)
    response = client.post(
        "/admin/regions/region/84/change/",
        {
            "tension_occupancy_pct": 85,
            "tension_available_max": 2,
            "departments-TOTAL_FORMS": 0,
            "departments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ThresholdChange.objects.get()
    assert (change.source, change.changed_by_username, change.changed_by_role) == (
        "admin",
        "erin",
        "admin",
    )
    assert (change.occupancy_pct_after, change.available_max_after) == (85, 2)
    assert client.get("/admin/regions/thresholdchange/").status_code == 200
    assert client.get(f"/admin/regions/thresholdchange/{change.pk}/delete/").status_code == 403


def test_the_schema_describes_the_audit(api, erin):
    schema = api(erin).get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/regions/{code}/threshold-changes/" in schema["paths"]
