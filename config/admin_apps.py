"""django.contrib.admin's app config, pointing it at the Hirewall admin site (config/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig


class HirewallAdminConfig(AdminConfig):
    # A dotted path: the site module is imported only once the app registry is ready.
    default_site = "config.admin_site.HirewallAdminSite"
