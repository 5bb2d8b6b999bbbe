from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "doorstep.organizations"
    label = "organizations"
