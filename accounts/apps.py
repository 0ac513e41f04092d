from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import erasure_ledger, signals  # noqa: F401  (login-event receivers; the ledger's outbox handler)
