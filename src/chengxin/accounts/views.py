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


@requires(EVERYONE)
def register(request: HttpRequest) -> HttpResponse:
    """Consumers register with a phone number or e-mail address and a
    one-time code (step 1 sends the code, step 2 creates the account)."""
    from django.contrib.auth import login as auth_login
    from django.utils.http import url_has_allowed_host_and_scheme

    destination = request.POST.get("destination", "").strip()[:254]
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = ""
    step = "start"
    errors: dict[str, str] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "code":
                kind = services.request_code(destination=destination)
                step = "code"
                messages.success(request, _("A code was sent by SMS.") if kind == "phone" else _("A code was sent by e-mail."))
            elif op == "register":
                step = "code"
                user = services.register_consumer(destination=destination, code=request.POST.get("code", ""),
                                                  display_name=request.POST.get("display_name", ""), password=request.POST.get("password", ""))
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome. Your consumer account is ready."))
                return redirect(nxt or "complaints:mine")
        except ChengxinError as exc:
            errors[exc.field or "general"] = str(exc.message)
            for err in exc.errors:
                errors[err.get("field") or "general"] = str(err["message"])
    return render(request, "accounts/register.html", {"step": step, "destination": destination, "errors": errors, "next": nxt,
                                                      "display_name": request.POST.get("display_name", "")})
