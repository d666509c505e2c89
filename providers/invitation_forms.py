"""The admin's Team page form: a provider's administrator invites a colleague."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Provider, ProviderMembership


class InvitationForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    email = forms.EmailField(label=_("E-mail address of your colleague"))
    membership_role = forms.ChoiceField(
        label=_("Role"),
        choices=ProviderMembership.Role.choices,
        initial=ProviderMembership.Role.EDITOR,
        help_text=_("Editors keep courses and start dates; administrators also invite colleagues."),
    )

    def __init__(self, *args, providers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if providers.count() == 1:
            self.fields["provider"].initial = providers.get().pk
