"""``kakehashi makemessages``, which also collects the audit purposes.

Purposes are marked ``N_("…")`` (``gettext_noop`` imported as ``N_``): the audit stores them in Japanese whatever
the reader's language (``audit.log``), and the pages that list audit rows say them in the reader's language
(``{% translate e.purpose %}``). xgettext does not know ``N_`` as a keyword, so without it the purposes would
never reach the catalogue, and ``--no-obsolete`` would drop their English.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
