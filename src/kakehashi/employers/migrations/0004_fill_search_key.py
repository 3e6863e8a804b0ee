"""Fill the search key of the employers stored before it existed (later saves keep it)."""

from django.db import migrations

from kakehashi.core.search import fill_search_keys


class Migration(migrations.Migration):

    dependencies = [("employers", "0003_employer_search_key")]

    operations = [migrations.RunPython(fill_search_keys("employers", "Employer", id_field="employer_id"),
                                      migrations.RunPython.noop)]
