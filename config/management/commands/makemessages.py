"""makemessages that keeps the catalogues merge-friendly and honest.

- ``--sort-output``: entries sorted by message, so changes made in parallel merge line by line;
- ``--no-fuzzy-matching``: a new message starts untranslated instead of borrowing a similar message's
  translation marked fuzzy (which compilemessages leaves out, so the page would show English).
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--sort-output", "--no-fuzzy-matching"]
