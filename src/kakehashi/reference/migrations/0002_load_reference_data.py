from django.db import migrations


def load(apps, schema_editor):
    from kakehashi.reference.loaders import industry_rows, occupation_rows, town_rows

    Occupation = apps.get_model("reference", "Occupation")
    Industry = apps.get_model("reference", "Industry")
    Town = apps.get_model("reference", "Town")
    Occupation.objects.bulk_create(
        [Occupation(code=r["middle_code"], name=r["middle_name"], major_code=r["major_code"],
                    major_name=r["major_name"]) for r in occupation_rows()],
        ignore_conflicts=True,
    )
    rows = industry_rows()
    Industry.objects.bulk_create(
        [Industry(code=r["code"], name=r["name"], level=r["level"], section=r["section"], parent_id=r["parent"])
         for r in rows],
        ignore_conflicts=True, batch_size=500,
    )
    Town.objects.bulk_create([Town(**r) for r in town_rows()], ignore_conflicts=True, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
