from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "gridcare.org"
    label = "org"
    verbose_name = _("Tổ chức và địa bàn")

    def ready(self) -> None:
        from gridcare.org.signals import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="gridcare_org_role_groups")
