from django.db import migrations

# The four indicators of INTERCHANGE.md, counted by the rules there. An installation adds its own in the UI.
BUILTIN = [
    ("placements", "就職件数", "人", 1),
    ("referrals", "紹介件数", "件", 2),
    ("developed_postings", "開拓求人件数", "件", 3),
    ("developed_openings", "開拓求人数", "人", 4),
]


def load(apps, schema_editor):
    Indicator = apps.get_model("plans", "Indicator")
    for key, label, unit, order in BUILTIN:
        Indicator.objects.get_or_create(key=key, defaults={"label": label, "unit": unit, "rule": key, "order": order})


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
