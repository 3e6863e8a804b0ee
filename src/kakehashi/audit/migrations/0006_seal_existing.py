# Seal the rows written before the chain existed, in the order they were written (id), so that
# `kakehashi audit verify` passes on an upgraded database. Run again on a database that has none, it only
# makes sure the head exists.

from django.db import migrations


def seal_existing(apps, schema_editor):
    from kakehashi.audit.chain import seal_unsealed

    seal_unsealed(apps.get_model('audit', 'AuditEvent'), apps.get_model('audit', 'AuditPerson'),
                  apps.get_model('audit', 'AuditHead'), schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_chain'),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
