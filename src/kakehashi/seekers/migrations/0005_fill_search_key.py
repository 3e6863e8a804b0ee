"""Fill the search key of the seekers stored before it existed (later saves keep it); index it."""

from django.db import migrations

from kakehashi.core.search import fill_search_keys, search_index


class Migration(migrations.Migration):

    dependencies = [("seekers", "0004_seeker_search_key")]

    operations = [migrations.RunPython(fill_search_keys("seekers", "Seeker", id_field="seeker_id"),
                                      migrations.RunPython.noop),
                  search_index("seekers", "Seeker", "seeker_search_key", id_field="seeker_id")]
