import datetime

import factory
from django.utils import timezone

from providers.models import Language, Location, Offering, Provider, StartMoment
from tests.contracts.factories import MunicipalityFactory


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "ar"
    name_en = "Arabic"
    name_nl = "Arabisch"
    native_name = "العربية"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Taalschool {n}")
    slug = factory.Sequence(lambda n: f"taalschool-{n}")
    kind = "LANGUAGE"
    keurmerk_status = "CERTIFIED"
    keurmerk_valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Locatie {n}")
    street_address = "Grote Markt 1"
    postcode = "2011 RD"
    city = "Haarlem"
    municipality = factory.SubFactory(MunicipalityFactory, cbs_code="GM0392", name="Haarlem")


class OfferingFactory(factory.django.DjangoModelFactory):
    """A published offering (``live=True``); pass ``live=False`` for a never-published draft."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"B1-route {n}")
    component = "B1_ROUTE"
    schedule = "DAYTIME"
    hours_total = 400
    hours_per_week = 8
    duration_weeks = 50
    cefr_from = "A1"
    cefr_to = "B1"
    price_cents = 500000
    live = True

    # Parental many-to-many values are written when the offering is saved.
    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.set(extracted)
            self.save()

    @factory.post_generation
    def support_languages(self, create, extracted, **kwargs):
        if create and extracted:
            self.support_languages.set(extracted)
            self.save()


class StartMomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StartMoment

    offering = factory.SubFactory(OfferingFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(weeks=20))
    seats = 12
    seats_taken = 0


def provider_staff_create(*, provider: Provider, username: str = "staff"):
    """A member of ``provider``'s staff (editor) who may import its offerings."""
    from portal.accounts.models import Role, User
    from providers.models import ProviderMembership

    user = User.objects.create_user(
        username=username, email=f"{username}@example.org", password="x", role=Role.PROVIDER_STAFF
    )
    ProviderMembership.objects.create(
        user=user, provider=provider, role=ProviderMembership.Role.EDITOR
    )
    return user


def contract_manager_create(*, username: str = "contractmanager"):
    """A contract manager: imports for any provider, and publishes."""
    from portal.accounts.models import Role, User

    return User.objects.create_user(
        username=username, email=f"{username}@example.org", password="x", role=Role.CONTRACT_MANAGER
    )
