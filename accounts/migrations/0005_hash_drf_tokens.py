"""Existing DRF tokens (`authtoken_token`, keys in clear) become hashed `ApiToken`s, valid
BEDWATCH_TOKEN_DAYS from the migration (not from their creation: a running installation keeps
working and has that long to rotate them), then the clear-key table is dropped.

The old table is read through a model of its own, outside the app registry: DRF's authtoken
app is no longer installed, and an installation that never had it has no such table.
"""

import hashlib
from datetime import timedelta

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

LEGACY_TABLE = "authtoken_token"


def legacy_token_model():
    class LegacyToken(models.Model):
        key = models.CharField(max_length=40, primary_key=True)
        user_id = models.BigIntegerField()
        created = models.DateTimeField()

        class Meta:
            app_label = "legacy_authtoken"
            db_table = LEGACY_TABLE
            managed = False
            apps = Apps()

    return LegacyToken


def hash_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    LegacyToken = legacy_token_model()
    expires = timezone.now() + timedelta(days=getattr(settings, "BEDWATCH_TOKEN_DAYS", 90))
    db = connection.alias
    ApiToken.objects.using(db).bulk_create(
        ApiToken(
            user_id=token.user_id,
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            created=token.created,
            expires=expires,
        )
        for token in LegacyToken.objects.using(db).all()
    )
    # No key stays readable in the database.
    schema_editor.delete_model(LegacyToken)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token"),
    ]

    operations = [
        # Not reversible in substance: the keys are gone; going back leaves the tokens unusable.
        migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop),
    ]
