from django.db.models import OuterRef, QuerySet, Subquery

from reintegra.accounts.access import AnyUser, require_member
from reintegra.lib import geo

from .models import LabourMarketDemand


def labour_market_list(
    *, user: AnyUser, country: str = "", area: str = "", isco: str = "", latest_only: bool = True
) -> QuerySet[LabourMarketDemand]:
    """Figures the network uses beside every option. Reference data: every member reads it."""
    require_member(user)
    figures = LabourMarketDemand.objects.all()
    if country:
        country = country.upper()
        figures = figures.filter(area__startswith=f"{country}-") | figures.filter(area=country)
    if area:
        figures = figures.filter(area__in=geo.area_ancestors(area.upper()) or [area.upper()])
    if isco:
        figures = figures.filter(isco=isco)
    if latest_only:
        newest = LabourMarketDemand.objects.filter(area=OuterRef("area"), isco=OuterRef("isco")).order_by("-as_of")
        figures = figures.filter(pk=Subquery(newest.values("pk")[:1]))
    return figures.order_by("area", "isco", "-as_of")


def demand_for(*, area: str, isco: str) -> LabourMarketDemand | None:
    """The newest figure for an occupation group in an area, else in the region around it."""
    for code in geo.area_ancestors(area) or [area]:
        figure = LabourMarketDemand.objects.filter(area=code, isco=isco).order_by("-as_of").first()
        if figure is not None:
            return figure
    return None
