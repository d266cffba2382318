from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gridcare.notifications"
    label = "notifications"

    def ready(self) -> None:
        from gridcare.metering.signals import readings_recorded
        from gridcare.notifications.signals import readings_recorded_check_alerts

        readings_recorded.connect(readings_recorded_check_alerts, dispatch_uid="gridcare_consumption_alerts")
