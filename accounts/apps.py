from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Login-event receivers, and the outbox handlers of the ledger and of the password-changed e-mail.
        from . import erasure_ledger, mail, signals  # noqa: F401
