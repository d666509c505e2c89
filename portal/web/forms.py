"""The forms of the account pages: deleting one's account, accepting a team invitation, making
an account from the municipality's advice."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class _NewPasswordForm(forms.Form):
    """A new password typed twice: the two must match and pass Django's password validators."""

    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password1") and data.get("password2"):
            if data["password1"] != data["password2"]:
                self.add_error("password2", _("The two passwords are not the same."))
            else:
                try:
                    password_validation.validate_password(data["password1"])
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return data


class InvitationAcceptForm(_NewPasswordForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["first_name", "last_name", "password1", "password2"]

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email


class AdviceAccountForm(_NewPasswordForm):
    """A learner's account for the address the municipality's advice went to: only a password
    (the address is the one the link reached)."""
