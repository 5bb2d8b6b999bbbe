from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "doorstep.regions"
    label = "regions"
