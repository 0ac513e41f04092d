#!/usr/bin/env python
"""Django's command-line utility; local settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Commands (migrations, detectors, the simulator, rebuilds) may run statements longer than a
    # web request's bound; runserver serves requests. config/db.py says what each profile bounds.
    os.environ.setdefault("DB_TIMEOUT_PROFILE", "web" if sys.argv[1:2] == ["runserver"] else "batch")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
