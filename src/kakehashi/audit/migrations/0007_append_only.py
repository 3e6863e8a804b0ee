# Every row is sealed from now on, and the database refuses UPDATE and DELETE of audit rows
# (kakehashi.audit.append_only). The triggers come last: on SQLite the AlterField rebuilds the table.

from django.db import migrations, models


def install(apps, schema_editor):
    from kakehashi.audit import append_only

    append_only.install(schema_editor)


def remove(apps, schema_editor):
    from kakehashi.audit import append_only

    append_only.remove(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_seal_existing'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(unique=True, verbose_name='連番'),
        ),
        migrations.RunPython(install, remove),
    ]
