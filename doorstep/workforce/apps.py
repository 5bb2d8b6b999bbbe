from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "doorstep.workforce"
    label = "workforce"
