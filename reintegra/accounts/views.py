from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reintegra.access import require_member, staff_get_for_user

from . import selectors, services
from .forms import LoginForm, StaffForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """A supervisor's list of their agency's accounts, and the form to add one."""
    staff_members = selectors.staff_list(user=request.user)
    actor = require_member(request.user)
    form = StaffForm(request.POST or None, roles=services.grantable_roles(actor))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account %(username)s added.") % {"username": member.username})
            return redirect("staff")
    return render(request, "accounts/staff.html", {"staff": staff_members, "form": form})


@login_required
@require_POST
def staff_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    member = staff_get_for_user(request.user, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=require_member(request.user), member=member, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Account saved."))
    return redirect("staff")
