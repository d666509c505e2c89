"""Wagtail admin forms for the catalogue: every choice list shows only what the user may use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal import permissions
from portal.permissions import Action
from providers.models import Location, Offering, Provider


def _own_providers(user):
    return permissions.scope(user, Action.VIEW, Provider.objects.all())


def _narrow_provider_field(form: WagtailAdminModelForm, user) -> None:
    field = form.fields.get("provider")
    if field is None or user is None:
        return
    field.queryset = _own_providers(user)
    field.widget = forms.Select(choices=field.choices)
    if not form.instance.pk and field.queryset.count() == 1:
        field.initial = field.queryset.get().pk


class OfferingAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        _narrow_provider_field(self, for_user)
        if for_user is None:
            return
        locations = permissions.scope(for_user, Action.VIEW, Location.objects.all())
        if self.instance.provider_id:
            locations = locations.filter(provider_id=self.instance.provider_id)
        elif "locations" in self.fields:
            locations = locations.filter(provider__in=_own_providers(for_user))
        if "locations" in self.fields:
            self.fields["locations"].queryset = locations.select_related("provider")
        self._explain_duo_loan(for_user)

    def _explain_duo_loan(self, user) -> None:
        """Say up front when the quality mark rules the DUO loan out (the rule is checked on save
        in ``providers.offerings``)."""
        field = self.fields.get("duo_loan_eligible")
        provider = self.instance.provider if self.instance.provider_id else None
        if field is None or provider is None or provider.keurmerk_is_valid:
            return
        field.help_text = _(
            "Not possible now: %(provider)s has no valid Keurmerk Inburgeren (%(state)s)."
        ) % {"provider": provider.name, "state": provider.keurmerk_state.label}


class LocationAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        _narrow_provider_field(self, for_user)


# Kept by the region: the quality mark from Blik op Werk's register, and whether the provider is
# listed at all.
REGION_FIELDS = ("keurmerk_status", "keurmerk_valid_until", "keurmerk_stars", "is_active")


class ProviderAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None or permissions.can_on_model(for_user, Action.SET_KEURMERK, Provider):
            return
        # Shown as it is, changed only by the region's contract managers.
        for name in REGION_FIELDS:
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Kept by the region's contract managers.")


class StartMomentAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        offerings = permissions.scope(for_user, Action.CHANGE, Offering.objects.all())
        field = self.fields["offering"]
        field.queryset = offerings.select_related("provider").order_by("title")
        field.widget = forms.Select(choices=field.choices)
        locations = permissions.scope(for_user, Action.VIEW, Location.objects.all())
        self.fields["location"].queryset = locations.order_by("name")
        self.fields["location"].widget = forms.Select(choices=self.fields["location"].choices)
