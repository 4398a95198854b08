"""The hospital membership is declared by beds (`Hospital.staff`), `user.hospitals` from the
other side: the migration that moved it keeps every row, and taking a hospital from a user
rechecks that user's sockets from either side."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Role
from beds.models import Hospital
from realtime import signals
from tests.factories import HospitalFactory, UserFactory

# The one data path: make test runs these on PostgreSQL too when it answers.
pytestmark = pytest.mark.databases

BEFORE = [("accounts", "0002_initial"), ("beds", "0001_initial")]
AFTER = [("accounts", "0003_user_hospitals_to_beds"), ("beds", "0002_hospital_staff")]


def migrate(targets: list[tuple[str, str]]):  # noqa: ANN201
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_afterwards():  # noqa: ANN201
    """Going back to BEFORE unapplies every later migration of every app (beds' own, fhir's,
    alerts'): the tests after this one need all of them again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_moving_the_membership_to_beds_keeps_every_row_both_ways():
    old = migrate(BEFORE)
    user_model, hospital_model = (
        old.get_model("accounts", "User"),
        old.get_model("beds", "Hospital"),
    )
    department = old.get_model("regions", "Department").objects.get(code="69")
    lyon = hospital_model.objects.create(
        finess="690783154", name="HEH", department=department, lat=45.7, lon=4.9
    )
    alice = user_model.objects.create(username="alice", role="staff")
    alice.hospitals.add(lyon)

    new = migrate(AFTER)

    # Declared on the hospital now, the same row read from both sides.
    hospital = new.get_model("beds", "Hospital").objects.get(finess="690783154")
    assert list(hospital.staff.values_list("username", flat=True)) == ["alice"]
    user = new.get_model("accounts", "User").objects.get(username="alice")
    assert list(user.hospitals.values_list("finess", flat=True)) == ["690783154"]

    # And back: the membership returns to the user's table with its row.
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.get(username="alice")
    assert list(user.hospitals.values_list("finess", flat=True)) == ["690783154"]


@pytest.mark.django_db
def test_user_hospitals_reads_the_membership_beds_declares():
    lyon, paris = HospitalFactory(), HospitalFactory()
    alice = UserFactory(role=Role.STAFF, hospitals=[lyon])
    paris.staff.add(alice)
    assert set(alice.hospitals.all()) == {lyon, paris}
    assert set(Hospital.objects.filter(staff=alice)) == {lyon, paris}


@pytest.fixture
def rechecked(monkeypatch):  # noqa: ANN001, ANN201
    users: list[int] = []
    monkeypatch.setattr(signals, "recheck_sockets", lambda *, user_id: users.append(user_id))
    return users


@pytest.mark.django_db
def test_a_hospital_taken_from_a_user_rechecks_that_users_sockets_from_either_side(
    rechecked, django_capture_on_commit_callbacks
):
    lyon, paris = HospitalFactory(), HospitalFactory()
    alice = UserFactory(role=Role.STAFF, hospitals=[lyon, paris])
    bob = UserFactory(role=Role.STAFF, hospitals=[lyon])

    with django_capture_on_commit_callbacks(execute=True):
        alice.hospitals.remove(paris)  # the user's side
    assert rechecked == [alice.pk]

    rechecked.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lyon.staff.remove(bob)  # the hospital's side
    assert rechecked == [bob.pk]

    rechecked.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lyon.staff.clear()
    assert rechecked == [alice.pk]


@pytest.mark.django_db
def test_admins_give_staff_their_hospitals_on_the_hospital_page(erin, alice, hospital_lyon):
    from tests.helpers import session_client

    page = session_client(erin).get(f"/admin/beds/hospital/{hospital_lyon.pk}/change/")

    assert page.status_code == 200
    assert 'name="staff"' in page.content.decode()
    assert f'<option value="{alice.pk}" selected>' in page.content.decode()
