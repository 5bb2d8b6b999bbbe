from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "doorstep.catalog"
    label = "catalog"

    def ready(self) -> None:
        from doorstep.organizations.models import Institution
        from doorstep.regions.models import Region

        from .memo import CATALOG
        from .models import Offering, PriceCap, PricingPolicy, ServiceItem

        # Cache invalidation only (no business rule): a committed change to what quotes
        # read makes every process recompute (ADR 0018).
        CATALOG.watch(PricingPolicy, PriceCap, Offering, ServiceItem, Institution, Region)
