from django.apps import AppConfig


class DemoConfig(AppConfig):
    # No models: it only holds `manage.py seed_demo`, which composes each app's own demo module.
    name = "demo"
    verbose_name = "Demo data"
