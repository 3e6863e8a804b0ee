# The audit chain (kakehashi.audit.chain): each row's place and seal, and the chain's head. Rows written
# before are sealed by 0006; 0007 then makes the seal required and the tables append-only.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_signin_actions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(null=True, verbose_name='連番'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='digest',
            field=models.CharField(default='', max_length=64, verbose_name='封印'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='staff',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='職員'),
        ),
        migrations.CreateModel(
            name='AuditHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField(default=0, verbose_name='連番')),
                ('digest', models.CharField(blank=True, max_length=64, verbose_name='封印')),
                ('key_check', models.CharField(blank=True, max_length=64, verbose_name='鍵の照合値')),
            ],
            options={
                'verbose_name': '監査ログの末尾',
                'verbose_name_plural': '監査ログの末尾',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_head_is_one_row')],
            },
        ),
    ]
