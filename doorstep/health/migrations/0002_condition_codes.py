"""Load the reference subset of ICD-10 codes (``health.data.CODES``; ADR 0026)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from doorstep.health.data import load_condition_codes

    load_condition_codes(apps.get_model("health", "ConditionCode"))


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
