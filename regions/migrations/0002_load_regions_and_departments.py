"""Every installation has all 18 régions and 101 départements (DESIGN §1)."""

from django.db import migrations


def load(apps, schema_editor):
    from regions.data import DEPARTMENTS, REGIONS

    Region = apps.get_model("regions", "Region")
    Department = apps.get_model("regions", "Department")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for code, name, region in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name, "region_id": region})


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
