from django.db import migrations, models


class Migration(migrations.Migration):
    """The optional English of an installation's names (agencies, sites, their programme, staffing and
    equipment lines), shown in English where the installation file gives it."""

    dependencies = [("accounts", "0003_installation_places")]
    operations = [
        migrations.AddField(
            model_name="agency", name="name_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="機関名（英語）"),
        ),
        migrations.AddField(
            model_name="site", name="name_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="拠点名（英語）"),
        ),
        migrations.AddField(
            model_name="site", name="programme_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="事業（英語）"),
        ),
        migrations.AddField(
            model_name="siteresource", name="label_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="名称（英語）"),
        ),
        migrations.AddField(
            model_name="siteresource", name="unit_en",
            field=models.CharField(blank=True, max_length=20, verbose_name="単位（英語）"),
        ),
    ]
