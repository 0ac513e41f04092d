from django.apps import AppConfig


class ResumesConfig(AppConfig):
    name = "resumes"
    verbose_name = "Resumes"

    def ready(self) -> None:
        from . import outbox_handlers  # noqa: F401  (registers the mail that leaves through the outbox)
