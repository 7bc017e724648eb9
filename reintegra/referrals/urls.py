from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:referral_id>/", views.referral_detail, name="detail"),
    path("<int:referral_id>/service/", views.referral_service, name="service"),
    path("<int:referral_id>/<slug:action>/", views.referral_action, name="action"),
    path("send/<str:code>/", views.referral_send, name="send"),
]
