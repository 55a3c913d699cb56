#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main():
    from config.env import configure_settings_module

    configure_settings_module()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
