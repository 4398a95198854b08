from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.models import Role
from accounts.services import account_upsert, token_create


class Command(BaseCommand):
    help = (
        "Create an account (or update an existing one) with a role and its scope. "
        "With --token, make a new API token and print it alone on the last line: the only "
        "time it can be read (the database keeps a digest)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--hospital", nargs="+", default=[], metavar="FINESS")
        parser.add_argument("--region", nargs="+", default=[], metavar="CODE")
        parser.add_argument("--password")
        parser.add_argument("--token", action="store_true", help="print a new API token last")
        parser.add_argument("--email", metavar="ADDRESS", help="where reminders and alerts go")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        email = options["email"]
        if email is not None:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(
                    f"--email: {email!r} is not an email address (e.g. name@chu-lyon.fr)."
                ) from None
        try:
            user, created = account_upsert(
                username=options["username"],
                role=options["role"],
                hospitals=options["hospital"],
                regions=options["region"],
                password=options["password"],
            )
        except ValidationError as exc:
            lines = [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
            raise CommandError("; ".join(lines)) from None
        if email is not None:
            user.email = email
            user.save(update_fields=["email"])
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {user.role} account {user.username!r}.")
        if options["token"]:
            others = user.api_tokens.count()
            if others:
                # A key cannot be shown twice: this is a new one; the old ones keep working.
                self.stdout.write(
                    f"A new token; the {others} earlier one(s) stay valid until they expire "
                    f"(`manage.py rotate_token {user.username}` revokes them)."
                )
            self.stdout.write(token_create(user=user))
