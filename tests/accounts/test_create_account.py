import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import ApiToken, Role, User
from accounts.tokens import token_digest

pytestmark = pytest.mark.django_db


def run(*args):  # noqa: ANN002, ANN201
    from io import StringIO

    out = StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue()


def test_creates_staff_with_hospitals_and_prints_token_alone_on_last_line(
    hospital_lyon, hospital_paris, api
):
    out = run("nurse", "--role", "staff", "--hospital", "690783154", "750100125", "--token")

    user = User.objects.get(username="nurse")
    assert user.role == Role.STAFF
    assert set(user.hospitals.values_list("finess", flat=True)) == {"690783154", "750100125"}
    last_line = out.strip().splitlines()[-1]
    # Only its digest is kept.
    assert ApiToken.objects.get(user=user).digest == token_digest(last_line)
    assert not user.has_usable_password()
    # The printed token works on the API.
    assert api(key=last_line).get("/api/v1/hospitals/").status_code == 200


def test_creates_coordinator_with_password_for_browser_login(client, db):
    run("ars", "--role", "coordinator", "--region", "84", "--password", "a-long-passphrase")
    user = User.objects.get(username="ars")
    assert list(user.regions.values_list("code", flat=True)) == ["84"]
    assert client.login(username="ars", password="a-long-passphrase")


def test_admin_role_enters_django_admin(client, db):
    run("root", "--role", "admin", "--password", "a-long-passphrase")
    user = User.objects.get(username="root")
    assert user.is_staff and user.is_superuser


def test_rerun_updates_role_and_scope_and_keeps_the_token_working(hospital_lyon, api, db):
    first = run("machine", "--role", "dispatcher", "--token").strip().splitlines()[-1]
    run("machine", "--role", "coordinator", "--region", "11")
    user = User.objects.get(username="machine")
    assert user.role == Role.COORDINATOR
    assert User.objects.filter(username="machine").count() == 1
    assert api(key=first).get("/api/v1/hospitals/").status_code == 200


def test_rerun_with_token_prints_a_new_key_never_the_first_again(db):
    first = run("machine", "--role", "dispatcher", "--token")
    second = run("machine", "--role", "dispatcher", "--token")
    first_key = first.strip().splitlines()[-1]
    second_key = second.strip().splitlines()[-1]
    assert first_key != second_key and first_key not in second
    assert "rotate_token machine" in second
    # Both work until they expire or are rotated.
    assert ApiToken.objects.filter(user__username="machine").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "staff"], "--hospital"),
        (["--role", "staff", "--hospital", "000000000"], "000000000"),
        (["--role", "coordinator"], "--region"),
        (["--role", "coordinator", "--region", "99"], "99"),
    ],
)
def test_bad_arguments_fail_with_a_message_and_create_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("someone", *args)
    assert not User.objects.filter(username="someone").exists()


def test_unknown_role_is_refused(db):
    with pytest.raises(CommandError):
        run("someone", "--role", "nurse")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1", "too short"),
        ("password123", "too common"),
        ("8264917350", "entirely numeric"),
        ("someone-1", "too similar"),
    ],
)
def test_weak_password_is_refused_with_the_validators_message(db, password, message):
    with translation.override("en"), pytest.raises(CommandError, match=f"password: .*{message}"):
        run("someone", "--role", "dispatcher", "--password", password)
    assert not User.objects.filter(username="someone").exists()


def test_weak_password_leaves_an_existing_account_unchanged(db):
    run("ars", "--role", "dispatcher", "--password", "a-long-passphrase")
    with pytest.raises(CommandError, match="password"):
        run("ars", "--role", "dispatcher", "--password", "1")
    assert User.objects.get(username="ars").check_password("a-long-passphrase")
