from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "gridcare.notifications"
    label = "notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from gridcare.metering.signals import readings_recorded
        from gridcare.notifications import queueing, tasks
        from gridcare.notifications.signals import readings_recorded_check_alerts

        queueing.register(deliver_outbox=tasks.deliver_outbox)
        readings_recorded.connect(readings_recorded_check_alerts, dispatch_uid="gridcare_consumption_alerts")
