from django.db import migrations, models

# The English of the four built-in indicators (INTERCHANGE.md's counting rules); an installation's own indicators
# take theirs from the installation file (label_en, unit_en).
BUILTIN_ENGLISH = {
    "placements": ("Placements", "people"),
    "referrals": ("Referrals", "referrals"),
    "developed_postings": ("Developed postings", "postings"),
    "developed_openings": ("Developed openings", "openings"),
}


def name_builtins(apps, schema_editor):
    Indicator = apps.get_model("plans", "Indicator")
    for key, (label, unit) in BUILTIN_ENGLISH.items():
        Indicator.objects.filter(key=key, label_en="").update(label_en=label, unit_en=unit)


class Migration(migrations.Migration):
    dependencies = [("plans", "0003_indicator_section_manual_count")]
    operations = [
        migrations.AddField(
            model_name="indicator", name="label_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="指標名（英語）"),
        ),
        migrations.AddField(
            model_name="indicator", name="unit_en",
            field=models.CharField(blank=True, max_length=20, verbose_name="単位（英語）"),
        ),
        migrations.RunPython(name_builtins, migrations.RunPython.noop),
    ]
