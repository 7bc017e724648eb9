from django.urls import path

from . import views

app_name = "livelihoods"
urlpatterns = [
    path("options/", views.options, name="options"),
    path("labour-market/", views.labour_market, name="labour_market"),
    path("labour-market/import/", views.labour_market_import, name="labour_market_import"),
    path("labour-market/new/", views.demand_edit, name="demand_create"),
    path("labour-market/<int:demand_id>/", views.demand_edit, name="demand_edit"),
]
