"""Saint-Pierre-et-Miquelon (`975`) as a région with one département: its own health authority
(regions/data.py), so that its two establishments can be imported."""

from django.db import migrations


def load(apps, schema_editor):
    from regions.data import load as load_reference

    load_reference(apps.get_model("regions", "Region"), apps.get_model("regions", "Department"))


def unload(apps, schema_editor):
    apps.get_model("regions", "Department").objects.filter(code="975").delete()
    apps.get_model("regions", "Region").objects.filter(code="975").delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0003_threshold_changes")]

    operations = [migrations.RunPython(load, unload)]
