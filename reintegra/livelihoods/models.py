from django.db import models
from django.utils.translation import gettext_lazy as _


class LabourMarketDemand(models.Model):
    """Local demand for one occupation group in one area, from one source at one date."""

    area = models.CharField(_("area"), max_length=8, help_text=_("ISO 3166-2 code (a province, a state…)"))
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2)
    vacancies = models.PositiveIntegerField(_("vacancies"), null=True, blank=True)
    demand_index = models.DecimalField(_("demand index (0–100)"), max_digits=5, decimal_places=1, null=True, blank=True)
    monthly_wage = models.DecimalField(
        _("typical monthly wage"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=200)
    as_of = models.DateField(_("as of"))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("labour-market figure")
        ordering = ["area", "isco", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["area", "isco", "as_of"], name="demand_unique_per_date")]
        indexes = [models.Index(fields=["area", "isco"])]

    def __str__(self) -> str:
        return f"{self.area} {self.isco} {self.as_of}"
