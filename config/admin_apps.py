"""django.contrib.admin's app config: the Hirewall admin site (config/admin_site.py) and its device admin."""

from django.contrib.admin.apps import AdminConfig


class HirewallAdminConfig(AdminConfig):
    # A dotted path: the site module is imported only once the app registry is ready.
    default_site = "config.admin_site.HirewallAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin.py, django-otp's included
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .admin_two_factor import OperatorDeviceAdmin

        # django-otp's device admins add devices with a chosen key and delete them with no audit
        # event; operators' devices are handled only by the audited reset (accounts/second_factor.py).
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
        admin.site.register(TOTPDevice, OperatorDeviceAdmin)
