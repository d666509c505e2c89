"""Synthetic national-scale data for benchmarks (the catalogue and the casework on it): bulk
inserts with a fixed random seed."""

from __future__ import annotations

import datetime
import itertools
import math
import random
import time
from collections.abc import Iterable, Sized
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from contracts import summaries
from contracts.models import Contract, IntakeVolume, Learner, Lot, MonthlyAttendance, Referral
from portal.core import pagecache
from portal.core.command_arguments import whole_number
from portal.demo.scale_casework import CASEWORK_MODELS, CaseworkBuilder, casework_reset
from portal.enrolments.models import Enrolment
from portal.places.models import Municipality, Region
from providers import keurmerk
from providers import offerings as offerings_rules
from providers.choices import (
    Component,
    EducationLevel,
    KeurmerkStatus,
    ProviderKind,
    Schedule,
)
from providers.models import (
    Language,
    Location,
    Offering,
    Provider,
    ProviderMembership,
    StartMoment,
)

PREFIX = "Schaal"
"""Every synthetic provider, municipality and region name starts with this word, so the data can
be recognised (a second run is a no-op) and removed again (``--reset``)."""

BATCH_SIZE = 2000
MUNICIPALITIES_MAX = 9999
"""CBS codes run from GM0001 to GM9999: no more municipalities than that."""
REGION_COUNT = 35
"""The Netherlands has 35 labour-market regions; synthetic municipalities are spread over them."""

PLACE_STARTS = [
    "Ooster", "Wester", "Noorder", "Zuider", "Groot", "Klein", "Nieuw", "Oud", "Hoog", "Laag",
    "Wolder", "Hazel", "Linden", "Beuken", "Eiken", "Berken", "Maas", "Rijn", "IJssel", "Vecht",
    "Lek", "Dinkel",
]  # fmt: skip
PLACE_ENDS = [
    "broek", "veen", "dam", "dijk", "wijk", "hoven", "horst", "meer", "berg", "zand", "woude",
    "kerk", "burg", "sloot", "haven", "loo", "beek", "rode", "ende", "hout",
]  # fmt: skip
PROVIDER_WORDS = {
    ProviderKind.LANGUAGE: ["Taalschool", "Taalinstituut", "Taalhuis", "NT2 Centrum"],
    ProviderKind.PARTICIPATION: ["Participatiewerk", "Werkplaats Meedoen"],
    ProviderKind.EDUCATION: ["ROC", "Leerpunt"],
    ProviderKind.SUPPORT: ["Stichting Nieuwkomers", "Vluchtelingenhulp"],
}
PROVIDER_KIND_WEIGHTS = {
    ProviderKind.LANGUAGE: 60,
    ProviderKind.PARTICIPATION: 20,
    ProviderKind.EDUCATION: 10,
    ProviderKind.SUPPORT: 10,
}

# component: (weight, titles, total hours range, (level at start choices, level aimed for choices),
#             hourly rate range in cents, has an exam)
COMPONENTS = {
    Component.B1_ROUTE: (
        30,
        ["B1-route intensief", "B1-route in deeltijd", "B1-route met werkstage",
         "Nederlands naar B1", "B1-route avondprogramma"],
        (300, 800), (["A0", "A1", "A2"], ["B1"]), (900, 1800), True,
    ),
    Component.Z_ROUTE: (
        10,
        ["Z-route zelfredzaamheid", "Z-route met taalcoach", "Z-route in de wijk"],
        (600, 1600), (["A0"], ["A1", "A2"]), (600, 1200), True,
    ),
    Component.ONDERWIJSROUTE: (
        8,
        ["Onderwijsroute schakeljaar", "Onderwijsroute voorbereiding vervolgopleiding"],
        (600, 1200), (["A2", "B1"], ["B1", "B2"]), (1000, 2000), True,
    ),
    Component.MAP: (
        15,
        ["Module Arbeidsmarkt en Participatie", "MAP in kleine groep", "MAP met werkbezoeken"],
        (64, 100), ([""], [""]), (1200, 2500), False,
    ),
    Component.PVT: (
        12,
        ["Participatieverklaringstraject", "PVT-workshops"],
        (8, 24), ([""], [""]), (1500, 3000), False,
    ),
    Component.BRUGKLAS: (
        5,
        ["Brugklas inburgering", "Brugklas taal en rekenen"],
        (400, 800), (["A1", "A2"], ["B1", "B2"]), (800, 1500), False,
    ),
    Component.KNM: (
        12,
        ["Kennis van de Nederlandse Maatschappij", "KNM-cursus", "KNM in eigen taal"],
        (40, 100), ([""], [""]), (1200, 2500), True,
    ),
    Component.ALFABETISERING: (
        8,
        ["Alfabetisering", "Latijns schrift leren", "Leren lezen en schrijven"],
        (300, 1000), (["A0"], ["A0", "A1"]), (700, 1400), True,
    ),
}  # fmt: skip
SCHEDULE_WEIGHTS = {
    Schedule.DAYTIME: 40,
    Schedule.EVENING: 20,
    Schedule.WEEKEND: 8,
    Schedule.ONLINE: 12,
    Schedule.HYBRID: 20,
}
SUMMARIES = [
    "Kleine groepen, vaste docent, oefenen in de praktijk.",
    "Lessen in de klas en thuis oefenen met een app.",
    "Veel spreken en luisteren, met een taalmaatje uit de buurt.",
    "Voor wie snel wil leren: vier dagdelen per week.",
    "Rustig tempo, met extra hulp bij lezen en schrijven.",
]
TARGET_GROUP_WEIGHTS = {(True, True): 60, (True, False): 25, (False, True): 15}
"""(for statushouders, for gezinsmigranten): never neither."""
KEURMERK_WEIGHTS = {
    KeurmerkStatus.CERTIFIED: 60,
    KeurmerkStatus.ASPIRANT: 15,
    KeurmerkStatus.NONE: 25,
}
PRICE_INCLUDES_OTHER = ["", "", "", "boeken", "reiskosten", "kinderopvang", "laptop in bruikleen"]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


class Command(BaseCommand):
    help = (
        "Build synthetic national-scale data on top of the demo data (it runs seed_demo "
        "--no-users first, which also makes the public pages). The catalogue: municipalities in "
        "35 regions, providers, locations, published offerings with locations and support "
        "languages, and start moments over the next 12 months, some of them full. The casework: "
        "active contracts of the providers with their regions (some ending within 90 days) with "
        "lots for every component (B1/Z-route lots only active with a valid Keurmerk); "
        "klantmanagers and provider staff without passwords; learners of the last 3 years; "
        "referrals in every state with their lot capacity periods and seats; monthly attendance, "
        "exam results and progress reports of placements; self-paid enrolments with seats, "
        "payment records (no Stripe calls) and waiting lists. Referral and enrolment state "
        "changes (ReferralTransition, EnrolmentTransition) are not generated. Bulk inserts with "
        "a fixed random seed: no Wagtail revisions, search-index entries or signals (the page "
        "cache is invalidated once at the end). Synthetic names, e-mail addresses and client "
        f"numbers start with '{PREFIX}'; if such data exists a second run changes nothing, "
        "unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        count = whole_number(minimum=0)
        parser.add_argument(
            "--municipalities",
            type=whole_number(minimum=0, maximum=MUNICIPALITIES_MAX),
            default=340,
            help="Municipalities in total, the demo's 7 real ones included (default 340, at most "
            f"{MUNICIPALITIES_MAX:,}). New ones get free CBS codes from GM0001 upwards.",
        )
        parser.add_argument(
            "--providers", type=whole_number(minimum=1), default=400, help="default 400"
        )
        parser.add_argument(
            "--locations",
            type=count,
            default=1500,
            help="default 1,500; at least one per provider",
        )
        parser.add_argument("--offerings", type=count, default=8000, help="default 8,000")
        parser.add_argument(
            "--start-moments",
            type=count,
            default=40000,
            help="default 40,000; needs at least one offering",
        )
        parser.add_argument("--learners", type=count, default=100_000, help="default 100,000")
        parser.add_argument(
            "--referrals",
            type=count,
            default=300_000,
            help="default 300,000; fewer if the learners cannot take that many",
        )
        parser.add_argument("--enrolments", type=count, default=50_000, help="default 50,000")
        parser.add_argument(
            "--attendance-months",
            type=count,
            default=12,
            help="Monthly attendance for at most this many of the latest complete months of "
            "each placement (default 12: about 1.3 million rows at the default sizes; 0: none).",
        )
        parser.add_argument(
            "--seed",
            type=count,
            default=2021,
            help="random seed (default 2021): same seed, same data",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Remove earlier synthetic data and build it again."
        )

    def handle(self, *args, **options) -> None:
        if options["start_moments"] and not options["offerings"]:
            raise CommandError("--start-moments needs at least one offering (--offerings).")
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        existing = Provider.objects.filter(name__startswith=PREFIX)
        if existing.exists() and not options["reset"]:
            self.stdout.write(
                self.style.WARNING(
                    f"Synthetic scale data exists already ({existing.count()} providers named "
                    f"'{PREFIX} …'): nothing changed. Use --reset to remove it and build it again."
                )
            )
            return
        if options["locations"] < options["providers"]:
            options["locations"] = options["providers"]
        call_command("seed_demo", "--no-users", verbosity=0)
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        with transaction.atomic(), summaries.suspended():
            if options["reset"]:
                self._reset()
            municipalities = self._municipalities(rng, total=options["municipalities"])
            providers = self._providers(rng, count=options["providers"], today=today)
            locations = self._locations(
                rng, count=options["locations"], providers=providers, municipalities=municipalities
            )
            offerings, offering_locations = self._offerings(
                rng,
                count=options["offerings"],
                providers=providers,
                locations=locations,
                today=today,
            )
            start_moments = self._start_moments(
                rng,
                count=options["start_moments"],
                offerings=offerings,
                offering_locations=offering_locations,
                today=today,
            )
            CaseworkBuilder(
                rng=rng,
                bulk_create=self._bulk_create,
                say=self._say,
                prefix=PREFIX,
                today=today,
                now=timezone.now(),
            ).build(
                municipalities=municipalities,
                providers=providers,
                locations=locations,
                offerings=offerings,
                start_moments=start_moments,
                learners=options["learners"],
                referrals=options["referrals"],
                enrolments=options["enrolments"],
                attendance_months=options["attendance_months"],
            )
            self._say("Dashboard summaries")
            summed = time.monotonic()
            referral_months, attendance_months = summaries.summaries_rebuild()
            self._say(
                f"  {referral_months:,} referral months, {attendance_months:,} attendance months "
                f"in {time.monotonic() - summed:.1f} s"
            )
            transaction.on_commit(pagecache.catalogue_changed)
        if connection.vendor == "postgresql":
            # Without autovacuum having run, the visibility map is empty: PostgreSQL then avoids
            # index-only scans (the next open start of every offering is read that way) and the
            # catalogue queries look so costly that it JIT-compiles them, at 30+ ms a query.
            # VACUUM cannot run inside a transaction (as in a test); ANALYZE alone can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            self._say(f"Updating the planner's statistics and visibility map ({command})")
            analysed = time.monotonic()
            with connection.cursor() as cursor:
                for model in (
                    Region,
                    Municipality,
                    Provider,
                    Location,
                    Offering,
                    Offering.locations.through,
                    Offering.support_languages.through,
                    StartMoment,
                    *CASEWORK_MODELS,
                    *summaries.SUMMARY_MODELS,
                ):
                    cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
            self._say(f"  done in {time.monotonic() - analysed:.1f} s")
        if self.verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Scale data ready in {time.monotonic() - started:.1f} s: "
                    f"{Municipality.objects.count()} municipalities, "
                    f"{Provider.objects.count()} providers, {Location.objects.count()} locations, "
                    f"{Offering.objects.filter(live=True).count()} published offerings, "
                    f"{StartMoment.objects.count()} start moments, {Contract.objects.count()} "
                    f"contracts with {Lot.objects.count()} lots, "
                    f"{Learner.objects.count()} learners, {Referral.objects.count()} referrals, "
                    f"{MonthlyAttendance.objects.count()} months of attendance, "
                    f"{Enrolment.objects.count()} enrolments (demo data included)."
                )
            )

    # Output

    def _say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)

    def _bulk_create[M: Model](
        self,
        label: str,
        model: type[M],
        objects: Iterable[M],
        *,
        total: int | None = None,
        keep: bool = True,
    ) -> list[M]:
        """Insert in batches, one progress line per table (with a running count on a terminal).

        ``objects`` may be a generator, so that the biggest tables are built batch by batch;
        with ``keep=False`` the inserted objects are not kept either and nothing is returned.
        Such rows go in by PostgreSQL's COPY where it is available, which takes a third of
        the time of ``bulk_create``'s INSERTs (those tables have a million rows).
        """
        started = time.monotonic()
        created: list[M] = []
        count = 0
        if total is None and isinstance(objects, Sized):
            total = len(objects)
        interactive = self.verbosity and self.stdout.isatty()
        copying = not keep and connection.vendor == "postgresql" and is_psycopg3
        for batch in itertools.batched(objects, BATCH_SIZE):
            if copying:
                count += self._copy(model, batch)
            else:
                inserted = model.objects.bulk_create(batch)
                count += len(inserted)
                if keep:
                    created.extend(inserted)
            if interactive:
                of = f"/{total:,}" if total is not None else ""
                self.stdout.write(f"  {label}: {count:,}{of}", ending="\r")
                self.stdout.flush()
        self._say(f"  {label}: {count:,} rows in {time.monotonic() - started:.1f} s")
        return created

    @staticmethod
    def _copy(model: type[Model], objects: Iterable[Model]) -> int:
        """Insert ``objects`` with one COPY; values as ``bulk_create`` would take them
        (``pre_save``, which stamps ``auto_now`` fields), adapted by psycopg."""
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for obj in objects:
                copy.write_row([field.pre_save(obj, True) for field in fields])
                count += 1
        return count

    # Removal

    def _reset(self) -> None:
        """Remove the synthetic rows with plain DELETEs, children first.

        ``_raw_delete`` skips the per-row signals (40,000 page-cache invalidations) and Wagtail's
        per-object clean-up: bulk-made offerings have no revisions or search-index entries.
        """
        self._say("Removing earlier synthetic data")
        started = time.monotonic()
        casework_reset(prefix=PREFIX)
        providers = Provider.objects.filter(name__startswith=PREFIX)
        offerings = Offering.objects.filter(provider__in=providers)
        municipalities = Municipality.objects.filter(name__startswith=PREFIX)
        regions = Region.objects.filter(name__startswith=PREFIX)
        for queryset in (
            StartMoment.objects.filter(offering__in=offerings),
            Offering.locations.through.objects.filter(offering__in=offerings),
            Offering.support_languages.through.objects.filter(offering__in=offerings),
            offerings,
            Location.objects.filter(provider__in=providers),
            ProviderMembership.objects.filter(provider__in=providers),
            providers,
        ):
            queryset._raw_delete(queryset.db)
        regions.update(central_municipality=None)
        IntakeVolume.objects.filter(municipality__in=municipalities).delete()
        municipalities._raw_delete(municipalities.db)
        regions._raw_delete(regions.db)
        self._say(f"  removed in {time.monotonic() - started:.1f} s")

    # Building

    def _municipalities(self, rng: random.Random, *, total: int) -> list[Municipality]:
        existing = list(Municipality.objects.all())
        taken = {municipality.cbs_code for municipality in existing}
        count = max(total - len(existing), 0)
        places = [start + end for start in PLACE_STARTS for end in PLACE_ENDS]
        rng.shuffle(places)
        names = [
            places[number % len(places)] + ("" if number < len(places) else f" {number}")
            for number in range(count)
        ]
        regions = self._bulk_create(
            "regions",
            Region,
            [
                Region(name=f"{PREFIX} regio {number:02d}", slug=f"schaal-regio-{number:02d}")
                for number in range(1, min(REGION_COUNT, count) + 1)
            ],
        )
        codes = (f"GM{number:04d}" for number in range(1, 10_000))
        new = []
        for number, name in enumerate(names):
            code = next(code for code in codes if code not in taken)
            new.append(
                Municipality(
                    cbs_code=code,
                    name=f"{PREFIX} {name}",
                    region=regions[number % len(regions)],
                )
            )
        created = self._bulk_create("municipalities", Municipality, new)
        for region in regions:
            region.central_municipality = next(m for m in created if m.region_id == region.pk)
        Region.objects.bulk_update(regions, ["central_municipality"])
        return existing + created

    def _providers(self, rng: random.Random, *, count: int, today: datetime.date) -> list[Provider]:
        providers = []
        for number in range(1, count + 1):
            kind = _weighted(rng, PROVIDER_KIND_WEIGHTS)
            name = (
                f"{PREFIX} {rng.choice(PROVIDER_WORDS[kind])} "
                f"{rng.choice(PLACE_STARTS)}{rng.choice(PLACE_ENDS)} {number:03d}"
            )
            status = _weighted(rng, KEURMERK_WEIGHTS)
            valid_until = None
            if status != KeurmerkStatus.NONE:
                # About one mark in ten has expired: the catalogue must show that too.
                valid_until = today + datetime.timedelta(days=rng.randint(-200, 1100))
            slug = slugify(name)
            providers.append(
                Provider(
                    name=name,
                    slug=slug,
                    kvk_number=f"{80_000_000 + number:08d}",
                    kind=kind,
                    description="Synthetische aanbieder voor metingen op landelijke schaal.",
                    website=f"https://{slug}.example",
                    email=f"info@{slug}.example",
                    keurmerk_status=status,
                    keurmerk_valid_until=valid_until,
                    keurmerk_stars=(
                        rng.choice([None, 1, 2, 3, 3, 4, 4])
                        if status == KeurmerkStatus.CERTIFIED
                        else None
                    ),
                    is_active=rng.random() >= 0.03,
                )
            )
        return self._bulk_create("providers", Provider, providers)

    def _locations(
        self,
        rng: random.Random,
        *,
        count: int,
        providers: list[Provider],
        municipalities: list[Municipality],
    ) -> dict[int, list[Location]]:
        """Every provider gets one location, the rest go mostly to bigger providers; a provider
        teaches mainly in its home region, like real schools."""
        by_region: dict[int | None, list[Municipality]] = {}
        for municipality in municipalities:
            by_region.setdefault(municipality.region_id, []).append(municipality)
        centres = {
            municipality.pk: (rng.uniform(51.0, 53.3), rng.uniform(3.8, 7.0))
            for municipality in municipalities
        }
        home_regions = {provider.pk: rng.choice(list(by_region)) for provider in providers}
        sizes = [rng.choice([1, 1, 1, 2, 2, 3, 5, 8]) for _ in providers]
        owners = list(providers) + rng.choices(providers, weights=sizes, k=count - len(providers))
        locations = []
        for number, provider in enumerate(owners, start=1):
            if rng.random() < 0.8:
                municipality = rng.choice(by_region[home_regions[provider.pk]])
            else:
                municipality = rng.choice(municipalities)
            latitude, longitude = centres[municipality.pk]
            city = municipality.name.removeprefix(f"{PREFIX} ")
            locations.append(
                Location(
                    provider=provider,
                    name=f"Leslocatie {city} {number:04d}",
                    street_address=f"{rng.choice(['School', 'Kerk', 'Molen', 'Stations'])}straat "
                    f"{rng.randint(1, 250)}",
                    postcode=f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
                    f"{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}",
                    city=city,
                    municipality=municipality,
                    latitude=_coordinate(latitude + rng.uniform(-0.03, 0.03)),
                    longitude=_coordinate(longitude + rng.uniform(-0.05, 0.05)),
                    accessibility_notes=rng.choice(
                        ["", "Gelijkvloers; bushalte binnen 200 meter.", "Lift aanwezig."]
                    ),
                )
            )
        by_provider: dict[int, list[Location]] = {}
        for location in self._bulk_create("locations", Location, locations):
            by_provider.setdefault(location.provider_id, []).append(location)
        return by_provider

    def _offerings(
        self,
        rng: random.Random,
        *,
        count: int,
        providers: list[Provider],
        locations: dict[int, list[Location]],
        today: datetime.date,
    ) -> tuple[list[Offering], dict[int, list[Location]]]:
        now = timezone.now()
        sizes = [rng.choice([1, 1, 2, 2, 3, 5, 8, 13]) for _ in providers]
        component_weights = {component: spec[0] for component, spec in COMPONENTS.items()}
        offerings, chosen_locations = [], []
        for number in range(1, count + 1):
            provider = rng.choices(providers, weights=sizes)[0]
            component = _weighted(rng, component_weights)
            _, titles, (fewest, most), (starts, aims), (cheapest, dearest), exam = COMPONENTS[
                component
            ]
            schedule = _weighted(rng, SCHEDULE_WEIGHTS)
            own = locations.get(provider.pk, [])
            where = (
                []
                if schedule == Schedule.ONLINE or not own
                else rng.sample(own, k=min(len(own), rng.choice([1, 1, 2, 3])))
            )
            chosen_locations.append(where)
            hours_total = rng.randrange(fewest, most + 1, 2 if most < 100 else 10)
            hours_per_week = rng.choice([2, 3, 4] if hours_total <= 100 else [6, 8, 10, 12, 16])
            price_cents = None
            if rng.random() >= 0.25:
                price_cents = round(hours_total * rng.randint(cheapest, dearest), -4)
            has_pass_rate = exam and rng.random() < 0.6
            statushouders, gezinsmigranten = _weighted(rng, TARGET_GROUP_WEIGHTS)
            if not offerings_rules.component_for_self_payers(component):
                statushouders, gezinsmigranten = True, False  # e.g. the brugklas
            place = where[0].city if where else "online"
            offerings.append(
                Offering(
                    provider=provider,
                    title=f"{rng.choice(titles)} {place}",
                    reference=f"S-{number:05d}",
                    component=component,
                    education_level=(
                        rng.choice(EducationLevel.values)
                        if component == Component.ONDERWIJSROUTE
                        else ""
                    ),
                    summary=rng.choice(SUMMARIES),
                    description=f"<p>{rng.choice(SUMMARIES)}</p>",
                    for_statushouders=statushouders,
                    for_gezinsmigranten=gezinsmigranten,
                    cefr_from=rng.choice(starts),
                    cefr_to=rng.choice(aims),
                    hours_total=hours_total,
                    hours_per_week=hours_per_week,
                    duration_weeks=math.ceil(hours_total / hours_per_week),
                    schedule=schedule,
                    childcare=rng.random() < 0.25,
                    price_cents=price_cents,
                    price_includes_exams=price_cents is not None and rng.random() < 0.6,
                    price_includes_materials=price_cents is not None and rng.random() < 0.7,
                    price_includes_other=(
                        rng.choice(PRICE_INCLUDES_OTHER) if price_cents is not None else ""
                    ),
                    # The rule of providers.offerings: a DUO loan only with a valid Keurmerk.
                    duo_loan_eligible=(
                        price_cents is not None
                        and keurmerk.is_valid(
                            status=provider.keurmerk_status,
                            valid_until=provider.keurmerk_valid_until,
                            on=today,
                        )
                        and rng.random() < 0.7
                    ),
                    pass_rate_percent=rng.randint(35, 98) if has_pass_rate else None,
                    pass_rate_year=today.year - rng.choice([1, 1, 2]) if has_pass_rate else None,
                    pass_rate_sample_size=rng.randint(8, 400) if has_pass_rate else None,
                    live=True,
                    first_published_at=now,
                    last_published_at=now,
                )
            )
        created = self._bulk_create("offerings", Offering, offerings)
        languages = list(Language.objects.order_by("code"))
        location_links, language_links = [], []
        by_offering: dict[int, list[Location]] = {}
        for offering, where in zip(created, chosen_locations, strict=True):
            by_offering[offering.pk] = where
            location_links.extend(
                Offering.locations.through(offering_id=offering.pk, location_id=location.pk)
                for location in where
            )
            helps_in = rng.sample(languages, k=min(len(languages), rng.choice([0, 1, 1, 2, 3])))
            language_links.extend(
                Offering.support_languages.through(offering_id=offering.pk, language_id=language.pk)
                for language in helps_in
            )
        self._bulk_create("offering locations", Offering.locations.through, location_links)
        self._bulk_create("offering languages", Offering.support_languages.through, language_links)
        return created, by_offering

    def _start_moments(
        self,
        rng: random.Random,
        *,
        count: int,
        offerings: list[Offering],
        offering_locations: dict[int, list[Location]],
        today: datetime.date,
    ) -> list[StartMoment]:
        """Spread at random, so some offerings have many start moments and a few none; about one
        in five is full."""
        moments = []
        for number in range(1, count + 1):
            offering = rng.choice(offerings)
            where = offering_locations[offering.pk]
            starts_on = today + datetime.timedelta(days=rng.randint(1, 365))
            seats = rng.choice([8, 10, 12, 14, 16, 20])
            deadline_days = rng.choice([None, 0, 3, 7, 14])
            moments.append(
                StartMoment(
                    offering=offering,
                    location=rng.choice(where) if where else None,
                    reference=f"S-{number:06d}",
                    starts_on=starts_on,
                    ends_on=starts_on + datetime.timedelta(weeks=offering.duration_weeks or 10),
                    enrolment_deadline=(
                        None
                        if deadline_days is None
                        else starts_on - datetime.timedelta(days=deadline_days)
                    ),
                    seats=seats,
                    seats_taken=seats if rng.random() < 0.2 else rng.randint(0, seats - 1),
                )
            )
        return self._bulk_create("start moments", StartMoment, moments)
