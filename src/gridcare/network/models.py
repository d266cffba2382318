"""Grid topology that matters to customers: substation → feeder → transformer station → service points."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.org.models import Commune, Unit


class Substation(models.Model):
    """Trạm biến áp trung gian / 110 kV feeding medium-voltage feeders."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="substations", verbose_name=_("đơn vị")
    )
    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    voltage_kv = models.PositiveIntegerField(_("điện áp (kV)"), default=110)

    class Meta:
        verbose_name = _("trạm biến áp nguồn")
        verbose_name_plural = _("trạm biến áp nguồn")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Feeder(models.Model):
    """Xuất tuyến trung thế: a medium-voltage feeder out of a substation."""

    substation = models.ForeignKey(Substation, on_delete=models.PROTECT, related_name="feeders")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="feeders", verbose_name=_("đơn vị"))
    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    voltage_kv = models.PositiveIntegerField(_("điện áp (kV)"), default=22)

    class Meta:
        verbose_name = _("xuất tuyến trung thế")
        verbose_name_plural = _("xuất tuyến trung thế")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TransformerStation(models.Model):
    """Trạm biến áp phân phối: every service point hangs off one of these."""

    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="transformer_stations")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="transformer_stations", verbose_name=_("đơn vị")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="transformer_stations", verbose_name=_("phường/xã")
    )
    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    capacity_kva = models.PositiveIntegerField(_("công suất (kVA)"))
    customer_owned = models.BooleanField(_("trạm của khách hàng"), default=False)

    class Meta:
        verbose_name = _("trạm biến áp phân phối")
        verbose_name_plural = _("trạm biến áp phân phối")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity_kva__gt=0), name="transformer_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
