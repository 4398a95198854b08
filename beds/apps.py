from django.apps import AppConfig


class BedsConfig(AppConfig):
    name = "beds"
    verbose_name = "Lits"

    def ready(self) -> None:
        from beds.events import audience_snapshot
        from realtime.snapshots import set_snapshot_provider

        # The live feed's first message is a snapshot of beds; realtime/ does not know beds.
        set_snapshot_provider(audience_snapshot)
