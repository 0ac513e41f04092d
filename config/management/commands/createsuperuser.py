"""accounts' `createsuperuser`, listed here so that it wins over django.contrib.auth's (see INSTALLED_APPS)."""

from accounts.management.commands.createsuperuser import Command as Command
