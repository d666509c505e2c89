"""Synthetic national-scale catalogue data for benchmarks (bulk inserts, fixed random seed)."""

from __future__ import annotations

import datetime
import random
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from contracts.models import Municipality, Region
from providers.choices import CefrLevel, Component, EducationLevel, Schedule
from providers.models import Language, Location, Offering, Provider, StartMoment

PREFIX = "Schaal"
"""Every synthetic provider's name starts with this, so the data can be found and removed."""

BATCH = 2000
LETTERS = "ABCDEFGHJK"
LEVELS = [level.value for level in CefrLevel]
COMPONENT_WEIGHTS = {
    Component.B1_ROUTE: 30,
    Component.Z_ROUTE: 10,
    Component.ONDERWIJSROUTE: 8,
    Component.MAP: 15,
    Component.PVT: 12,
    Component.BRUGKLAS: 5,
    Component.KNM: 12,
    Component.ALFABETISERING: 8,
}


class Command(BaseCommand):
    help = (
        "Build synthetic national-scale catalogue data on top of the demo data: municipalities, "
        "providers, locations, offerings (published) and start moments over the next 12 months. "
        "Learners, referrals, placements and enrolments are not generated yet (their models come "
        "with later issues). Refuses to run twice unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipalities", type=int, default=340)
        parser.add_argument("--providers", type=int, default=400)
        parser.add_argument("--locations", type=int, default=1500)
        parser.add_argument("--offerings", type=int, default=8000)
        parser.add_argument("--start-moments", type=int, default=40000)
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument(
            "--reset", action="store_true", help="Remove earlier synthetic data first."
        )

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        started = time.monotonic()
        call_command("seed_demo", "--no-users", verbosity=0)
        existing = Provider.objects.filter(name__startswith=PREFIX)
        if existing.exists():
            if not options["reset"]:
                raise CommandError(
                    f"Synthetic data exists already ({existing.count()} providers). "
                    "Use --reset to build it again."
                )
            self._reset()
        with transaction.atomic():
            municipalities = self._municipalities(rng, options["municipalities"])
            providers = self._providers(rng, options["providers"])
            locations = self._locations(rng, options["locations"], providers, municipalities)
            offerings = self._offerings(rng, options["offerings"], providers, locations)
            self._start_moments(rng, options["start_moments"], offerings, locations)
        if connection.vendor == "postgresql":
            self.stdout.write("Updating the planner's statistics (ANALYZE)…")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Scale data ready in {time.monotonic() - started:.0f} s.")
        )

    def _progress(self, label: str, done: int, total: int) -> None:
        self.stdout.write(f"  {label}: {done}/{total}", ending="\r" if done < total else "\n")
        self.stdout.flush()

    def _bulk(self, label: str, model, objects: list) -> list:
        created = []
        for start in range(0, len(objects), BATCH):
            created.extend(model.objects.bulk_create(objects[start : start + BATCH]))
            self._progress(label, len(created), len(objects))
        return created

    def _reset(self) -> None:
        self.stdout.write("Removing earlier synthetic data…")
        with transaction.atomic():
            offerings = Offering.objects.filter(provider__name__startswith=PREFIX)
            StartMoment.objects.filter(offering__in=offerings).delete()
            Offering.locations.through.objects.filter(offering__in=offerings).delete()
            Offering.support_languages.through.objects.filter(offering__in=offerings).delete()
            offerings._raw_delete(offerings.db)
            Location.objects.filter(provider__name__startswith=PREFIX).delete()
            Provider.objects.filter(name__startswith=PREFIX).delete()
            Municipality.objects.filter(name__startswith=PREFIX).delete()

    def _municipalities(self, rng: random.Random, count: int) -> list[Municipality]:
        taken = set(Municipality.objects.values_list("cbs_code", flat=True))
        region = Region.objects.first()
        new = []
        number = 1
        while len(new) + len(taken) < count:
            code = f"GM{number:04d}"
            number += 1
            if code not in taken:
                new.append(
                    Municipality(cbs_code=code, name=f"{PREFIX}gemeente {code}", region=region)
                )
        self._bulk("municipalities", Municipality, new)
        return list(Municipality.objects.all())

    def _providers(self, rng: random.Random, count: int) -> list[Provider]:
        today = timezone.localdate()
        kinds = ["LANGUAGE"] * 6 + ["PARTICIPATION"] * 2 + ["EDUCATION", "SUPPORT"]
        providers = []
        for number in range(count):
            status = rng.choice(["CERTIFIED"] * 6 + ["ASPIRANT", "NONE", "NONE"])
            providers.append(
                Provider(
                    name=f"{PREFIX} Taalinstituut {number:04d}",
                    slug=f"schaal-taalinstituut-{number:04d}",
                    kind=rng.choice(kinds),
                    keurmerk_status=status,
                    keurmerk_valid_until=(
                        None
                        if status == "NONE"
                        else today + datetime.timedelta(days=rng.randint(-120, 900))
                    ),
                    keurmerk_stars=rng.choice([None, 1, 2, 3, 4])
                    if status == "CERTIFIED"
                    else None,
                )
            )
        return self._bulk("providers", Provider, providers)

    def _locations(self, rng, count, providers, municipalities) -> dict[int, list[Location]]:
        locations = []
        for number in range(count):
            provider = providers[number % len(providers)]
            municipality = rng.choice(municipalities)
            locations.append(
                Location(
                    provider=provider,
                    name=f"Leslocatie {number:05d}",
                    street_address=f"Schoolstraat {number % 300 + 1}",
                    postcode=f"{rng.randint(1000, 9999)} {''.join(rng.choices(LETTERS, k=2))}",
                    city=municipality.name.removeprefix(f"{PREFIX}gemeente "),
                    municipality=municipality,
                )
            )
        by_provider: dict[int, list[Location]] = {}
        for location in self._bulk("locations", Location, locations):
            by_provider.setdefault(location.provider_id, []).append(location)
        return by_provider

    def _offerings(self, rng, count, providers, locations) -> list[Offering]:
        components = list(COMPONENT_WEIGHTS)
        weights = list(COMPONENT_WEIGHTS.values())
        schedules = [schedule.value for schedule in Schedule]
        today = timezone.localdate()
        offerings = []
        for number in range(count):
            provider = providers[number % len(providers)]
            component = rng.choices(components, weights)[0]
            low = rng.randrange(0, 3)
            has_pass_rate = rng.random() < 0.6
            hours = rng.choice([12, 40, 120, 300, 450, 600, 800, 1600])
            offerings.append(
                Offering(
                    provider=provider,
                    title=f"{Component(component).label} {number:05d}",
                    reference=f"S-{number:05d}",
                    component=component,
                    education_level=(
                        rng.choice(EducationLevel.values)
                        if component == Component.ONDERWIJSROUTE
                        else ""
                    ),
                    summary="Synthetische cursus voor metingen.",
                    for_statushouders=rng.random() < 0.8,
                    for_gezinsmigranten=True,
                    cefr_from=LEVELS[low],
                    cefr_to=LEVELS[low + rng.randrange(1, 3)],
                    hours_total=hours,
                    hours_per_week=rng.choice([3, 6, 8, 12, 20]),
                    duration_weeks=rng.choice([4, 10, 20, 40, 80]),
                    schedule=rng.choice(schedules),
                    childcare=rng.random() < 0.3,
                    price_cents=None
                    if rng.random() < 0.25
                    else rng.randrange(20_000, 1_200_000, 500),
                    duo_loan_eligible=provider.keurmerk_status != "NONE" and rng.random() < 0.7,
                    pass_rate_percent=rng.randint(35, 95) if has_pass_rate else None,
                    pass_rate_year=today.year - 1 if has_pass_rate else None,
                    pass_rate_sample_size=rng.randint(8, 400) if has_pass_rate else None,
                    live=True,
                    first_published_at=timezone.now(),
                    last_published_at=timezone.now(),
                )
            )
        created = self._bulk("offerings", Offering, offerings)
        languages = list(Language.objects.all())
        location_links, language_links = [], []
        for offering in created:
            own = locations.get(offering.provider_id, [])
            if offering.schedule != Schedule.ONLINE and own:
                for location in rng.sample(own, k=min(len(own), rng.randint(1, 3))):
                    location_links.append(
                        Offering.locations.through(offering_id=offering.pk, location_id=location.pk)
                    )
            for language in rng.sample(languages, k=min(len(languages), rng.randint(0, 3))):
                language_links.append(
                    Offering.support_languages.through(
                        offering_id=offering.pk, language_id=language.pk
                    )
                )
        self._bulk("offering locations", Offering.locations.through, location_links)
        self._bulk("offering languages", Offering.support_languages.through, language_links)
        return created

    def _start_moments(self, rng, count, offerings, locations) -> None:
        today = timezone.localdate()
        moments = []
        for number in range(count):
            offering = offerings[number % len(offerings)]
            starts_on = today + datetime.timedelta(days=rng.randint(-30, 365))
            seats = rng.choice([8, 10, 12, 15, 20])
            own = locations.get(offering.provider_id, [])
            moments.append(
                StartMoment(
                    offering=offering,
                    reference=f"S-{number:06d}",
                    location=(
                        rng.choice(own) if own and offering.schedule != Schedule.ONLINE else None
                    ),
                    starts_on=starts_on,
                    ends_on=starts_on + datetime.timedelta(weeks=offering.duration_weeks or 10),
                    enrolment_deadline=starts_on - datetime.timedelta(days=rng.choice([0, 3, 7])),
                    seats=seats,
                    seats_taken=rng.choice([0, seats // 2, seats - 1, seats]),
                )
            )
        self._bulk("start moments", StartMoment, moments)
