from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = "Employers"

    def ready(self) -> None:
        from . import mail  # noqa: F401  (registers the invitation e-mail's outbox handler)
