from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reintegra.network.selectors import countries_in_network

from .access import can_manage_network, is_member
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "is_member": is_member(request.user),
        "can_manage": can_manage_network(request.user),
        "countries": countries_in_network(user=request.user),
    }
    return render(request, "home.html", context)
