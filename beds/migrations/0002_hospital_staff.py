# The hospital membership, declared on User until accounts/migrations/0003, is declared here:
# first on its existing table (state only, every row kept), then the table takes this field's
# name (a rename: the columns hospital_id and user_id are the same on both sides).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beds", "0001_initial"),
        ("accounts", "0003_user_hospitals_to_beds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="hospital",
                    name="staff",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="accounts_user_hospitals",
                        related_name="hospitals",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="hospital",
            name="staff",
            field=models.ManyToManyField(
                blank=True,
                related_name="hospitals",
                to=settings.AUTH_USER_MODEL,
                verbose_name="staff",
            ),
        ),
    ]
