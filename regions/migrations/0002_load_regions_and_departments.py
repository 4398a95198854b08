"""Every installation has all 18 régions and 101 départements (docs/architecture.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from regions.data import load as load_reference

    load_reference(apps.get_model("regions", "Region"), apps.get_model("regions", "Department"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
