from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import token_rotate
from accounts.tokens import token_lifetime


class Command(BaseCommand):
    help = (
        "Replace every API token of USERNAME by a new one, printed alone on the last line (the "
        "only time it can be read). Old keys, and live-feed sockets opened with them, stop at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                f"username: no account {options['username']!r} "
                "(create it with `manage.py create_account USERNAME --role … --token`)."
            )
        if not user.is_active:
            raise CommandError(f"username: the account {user.username!r} is deactivated.")
        revoked = user.api_tokens.count()
        key = token_rotate(user=user)
        self.stdout.write(
            f"Revoked {revoked} token(s) of {user.username!r}; the new one is valid "
            f"{token_lifetime().days} days."
        )
        self.stdout.write(key)
