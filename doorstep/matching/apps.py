from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "doorstep.matching"
    label = "matching"
    verbose_name = "Instant matching"
