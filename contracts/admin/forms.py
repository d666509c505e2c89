"""Wagtail admin forms for contracts and lots: choice lists that offer only what may be chosen.

The rules themselves are checked in ``contracts.contracting`` (through the models' ``clean()``);
these forms only narrow the choices and explain up front what the rules will refuse.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from contracts.models import Contract
from portal.places.models import Municipality, Region
from providers.models import Offering, Provider


class OfferingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Offering) -> str:
        reference = f" [{obj.reference}]" if obj.reference else ""
        return f"{obj.title}{reference}, {obj.get_component_display()}"


class ContractAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields.get("provider")
        if provider is not None:
            provider.queryset = Provider.objects.order_by("name")
            provider.widget = forms.Select(choices=provider.choices)
            if self.instance.pk and self.instance.lots.exists():
                provider.disabled = True
                provider.help_text = _(
                    "The contract has lots, which referrals will point at: its provider stays."
                )
        municipalities = self.fields.get("municipalities")
        if municipalities is not None:
            municipalities.queryset = Municipality.objects.order_by("name")
            municipalities.widget = forms.CheckboxSelectMultiple(choices=municipalities.choices)
        if not self.instance.pk:
            self._region_defaults()

    def _region_defaults(self) -> None:
        """A new contract is the region's: its central municipality signs for all of them."""
        region = Region.objects.filter(central_municipality__isnull=False).first()
        if region is None:
            return
        if "contracting_municipality" in self.fields:
            self.fields["contracting_municipality"].initial = region.central_municipality_id
        if "municipalities" in self.fields:
            self.fields["municipalities"].initial = list(
                region.municipalities.values_list("pk", flat=True)
            )


class LotAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        contract = self._contract()
        field = self.fields.get("contract")
        if field is not None:
            field.queryset = Contract.objects.select_related("provider").order_by("reference")
            field.widget = forms.Select(choices=field.choices)
            if self.instance.pk:
                field.disabled = True
                field.help_text = _("A lot stays with the contract it was made for.")
        offerings = self.fields.get("offerings")
        if offerings is not None:
            self.fields["offerings"] = self._offerings_field(offerings, contract)
        self._explain_keurmerk(contract)

    def _contract(self) -> Contract | None:
        """The lot's contract: its own, the one posted, or the one asked for (``?contract=``)."""
        if self.instance.contract_id:
            return self.instance.contract
        wanted = self.data.get("contract") if self.is_bound else self.initial.get("contract")
        if not wanted:
            return None
        try:
            return Contract.objects.select_related("provider").get(pk=int(wanted))
        except (ValueError, TypeError, Contract.DoesNotExist):
            return None

    def _offerings_field(
        self, original: forms.ModelMultipleChoiceField, contract: Contract | None
    ) -> OfferingChoiceField:
        if contract is not None:
            queryset = Offering.objects.filter(provider_id=contract.provider_id)
            help_text = _("Courses of %(provider)s in this lot's component.") % {
                "provider": contract.provider.name
            }
        else:
            queryset = Offering.objects.none()
            help_text = _(
                "Choose the contract and save the lot first; then choose the courses of the "
                "contract's provider that deliver it."
            )
        return OfferingChoiceField(
            queryset=queryset.order_by("component", "title"),
            required=False,
            label=original.label,
            help_text=help_text,
            widget=forms.CheckboxSelectMultiple,
        )

    def _explain_keurmerk(self, contract: Contract | None) -> None:
        """Say up front when the quality mark rules an active B1/Z lot out (checked on save)."""
        field = self.fields.get("status")
        if field is None or contract is None:
            return
        provider = contract.provider
        if provider.keurmerk_is_valid:
            return
        field.help_text = _(
            "%(provider)s has no valid Keurmerk Inburgeren (%(state)s): a B1-route or Z-route lot "
            "cannot be made active."
        ) % {"provider": provider.name, "state": provider.keurmerk_state.label}

    def clean(self):
        cleaned = super().clean()
        # Model validation (``Lot.clean``) reads the lot's offerings, which a cluster form writes
        # only on save: hand it the ones posted, so that it judges (and may refuse) those.
        if "offerings" in cleaned and "offerings" not in self.errors:
            self.instance.offerings.set(cleaned["offerings"])
        return cleaned
