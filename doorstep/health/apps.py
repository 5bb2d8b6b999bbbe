from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "doorstep.health"
    label = "health"
    verbose_name = "Health records"
