from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from chengxin.core import outbox
from chengxin.core.errors import Throttled

from . import services


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        try:
            services.check_login_allowed(username=username, ip=ip)
        except Throttled as exc:
            raise forms.ValidationError(str(exc.message), code="throttled") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.record_login_attempt(username=username, ip=ip, success=False)
            raise
        services.record_login_attempt(username=username, ip=ip, success=True)
        return cleaned


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset mail goes through the outbox, like all mail."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        outbox.queue_email(to=to_email, subject=subject, body=body)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    username = forms.CharField(label=_("For user"), max_length=150)
