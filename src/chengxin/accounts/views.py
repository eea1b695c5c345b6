from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core.errors import ChengxinError
from chengxin.core.permissions import EVERYONE, requires

from . import services
from .forms import OutboxPasswordResetForm, ThrottledAuthenticationForm, TokenForm
from .models import ApiToken, User

login = requires(EVERYONE)(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=ThrottledAuthenticationForm
    )
)
logout = requires(EVERYONE)(auth_views.LogoutView.as_view())
password_reset = requires(EVERYONE)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        form_class=OutboxPasswordResetForm,
        email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = requires(EVERYONE)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = requires(EVERYONE)(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = requires(EVERYONE)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


@requires("accounts.manage_tokens")
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        owner = User.objects.filter(username=form.cleaned_data["username"]).first()
        if owner is None:
            form.add_error("username", _("No such user."))
        else:
            try:
                _token, created = services.create_token(
                    actor=request.user, user=owner, name=form.cleaned_data["name"]  # type: ignore[arg-type]
                )
            except ChengxinError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    items = ApiToken.objects.select_related("user").order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": items, "created": created})


@require_POST
@requires("accounts.manage_tokens")
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    services.revoke_token(actor=request.user, token=services.get_token(token_id))  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
