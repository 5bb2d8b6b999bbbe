from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "doorstep.devices"
    label = "devices"
    verbose_name = "Home devices"
