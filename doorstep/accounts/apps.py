from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "doorstep.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from doorstep.regions.models import Region

        from .models import ApiToken, Membership, User
        from .services import ACCESS

        # Cache invalidation only (ADR 0018): tokens and grants are re-read by every
        # process after any committed change to what they are built from.
        ACCESS.watch(ApiToken, User, Membership, Region)
