from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "doorstep.alerts"
    label = "alerts"
    verbose_name = "Alerts and escalation"

    def ready(self) -> None:
        # The devices app sends a signal per stored reading and per status change; the
        # receivers evaluate the rules inside the ingestion transaction (ADR 0031).
        from . import receivers

        receivers.connect()
