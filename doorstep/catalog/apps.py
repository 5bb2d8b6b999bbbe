from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "doorstep.catalog"
    label = "catalog"
