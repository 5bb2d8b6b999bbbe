from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "doorstep.people"
    label = "people"

    def ready(self) -> None:
        from doorstep.accounts.services import ACCESS

        from .models import Consent, FamilyLink

        # Cache invalidation only (ADR 0018): family access is re-read after any change.
        ACCESS.watch(FamilyLink, Consent)
