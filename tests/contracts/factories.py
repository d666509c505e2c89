import datetime

import factory
from django.utils import timezone

from contracts.models import (
    CapacityPeriod,
    Contract,
    ContractStatus,
    Learner,
    Lot,
    LotStatus,
    Municipality,
    Region,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = "IJmond en Zuid-Kennemerland"
    slug = "ijmond-zuid-kennemerland"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("cbs_code",)

    cbs_code = factory.Sequence(lambda n: f"GM{1000 + n:04d}")
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    region = factory.SubFactory(RegionFactory)


class ContractFactory(factory.django.DjangoModelFactory):
    """An active contract with the region's central municipality, running from half a year ago
    until two years from now, covering the contracting municipality (pass ``municipalities``)."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"RIJZK-TEST-{n:03d}")
    provider = factory.SubFactory("tests.providers.factories.ProviderFactory")
    contracting_municipality = factory.SubFactory(
        MunicipalityFactory, cbs_code="GM0392", name="Haarlem"
    )
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=180))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=730))
    status = ContractStatus.ACTIVE

    # Parental many-to-many values are written when the contract is saved.
    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create:
            self.municipalities.set(extracted or [self.contracting_municipality])
            self.save()


class LotFactory(factory.django.DjangoModelFactory):
    """An active B1-route lot: 100 placements a calendar year at € 10.000 a trajectory."""

    class Meta:
        model = Lot
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    component = "B1_ROUTE"
    tariff_cents = 1_000_000
    capacity = 100
    capacity_period = CapacityPeriod.YEAR
    status = LotStatus.ACTIVE

    @factory.post_generation
    def offerings(self, create, extracted, **kwargs):
        if create and extracted:
            self.offerings.set(extracted)
            self.save()


class LearnerFactory(factory.django.DjangoModelFactory):
    """An open statushouder housed 4 weeks ago, intake done, no PIP yet (PIP due in 6 weeks)."""

    class Meta:
        model = Learner

    municipality = factory.SubFactory(MunicipalityFactory)
    first_name = "Amal"
    last_name = factory.Sequence(lambda n: f"Leerling {n}")
    date_of_birth = datetime.date(1990, 5, 17)
    target_group = "STATUSHOUDER"
    client_number = factory.Sequence(lambda n: f"KL-{n:05d}")
    housing_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(weeks=4))
    intake_date = factory.LazyAttribute(
        lambda o: o.housing_date and o.housing_date + datetime.timedelta(days=7)
    )
