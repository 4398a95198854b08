"""Email settings come from the environment with Django's names."""

from tests.test_settings import run_settings

EXPRESSION = (
    "settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, "
    "settings.EMAIL_HOST_USER, settings.DEFAULT_FROM_EMAIL"
)


def test_emails_are_printed_on_the_console_by_default():
    result = run_settings("settings.EMAIL_BACKEND", EMAIL_HOST="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_email_host_switches_to_smtp_with_djangos_names():
    result = run_settings(
        EXPRESSION,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="bedwatch",
        DEFAULT_FROM_EMAIL="Bedwatch <bedwatch@example.org>",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=5) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "bedwatch",
        "Bedwatch <bedwatch@example.org>\n",
    ]


def test_bad_email_values_stop_the_start_up_naming_them():
    port = run_settings("settings.EMAIL_PORT", EMAIL_PORT="smtp")
    assert port.returncode != 0 and "EMAIL_PORT='smtp' is not a whole number" in port.stderr
    both = run_settings("settings.EMAIL_PORT", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert both.returncode != 0 and "EMAIL_USE_TLS and EMAIL_USE_SSL" in both.stderr
