from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "doorstep.quality"
    label = "quality"
