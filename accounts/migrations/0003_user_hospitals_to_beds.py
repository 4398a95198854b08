# The hospital membership moves to beds.Hospital.staff (beds/migrations/0002_hospital_staff.py):
# here it leaves the User model's state only; its table and rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="user", name="hospitals")],
            database_operations=[],
        ),
    ]
