"""Load the fictional demo region, providers, offerings, contracts, pages and (in development) demo
users."""

from __future__ import annotations

import datetime
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from cms.models import CataloguePage, ContentPage, HomePage
from cms.translations import page_translation_save
from contracts.models import Contract, ContractStatus, IntakeVolume, Lot
from portal import permissions
from portal.demo import data
from portal.demo import page_translations as pt
from portal.demo.caseload import demo_caseload_create
from portal.payments.models import ConnectedAccount
from portal.places.models import Municipality, Region
from providers.models import (
    Language,
    Location,
    Offering,
    OfferingTranslation,
    Provider,
    ProviderMembership,
    ProviderTranslation,
    StartMoment,
)

SEAT_PATTERN = [(14, 3), (12, 12), (16, 15), (12, 5), (15, 0), (10, 9)]
"""(seats, seats taken) in turn: some start moments full, some nearly full."""


def _add_published(*, parent: Page, page: Page) -> None:
    parent.add_child(instance=page)
    page.save_revision().publish()


class Command(BaseCommand):
    help = (
        "Load the demo data: the region IJmond en Zuid-Kennemerland with its 7 municipalities, "
        "8 fictional providers with 40+ offerings and start dates for the next 12 months, the "
        "region's contracts with them (lots for every component it buys), the public pages, "
        "and one demo login per role (only with DEBUG on). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-users", action="store_true", help="Do not create the demo logins."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.localdate()
        self._municipalities()
        self._languages()
        created_offerings = self._providers_and_offerings(today)
        self._pages()
        # Each language's page tree: copies of the Dutch pages (wagtail-localize's sync).
        call_command("locales_sync", stdout=StringIO())
        translated = self._page_translations()
        self._payment_accounts()
        created_contracts = self._contracts(today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalogue ready: {Provider.objects.count()} providers, "
                f"{Offering.objects.filter(live=True).count()} published offerings "
                f"({created_offerings} new), {StartMoment.objects.count()} start dates, "
                f"{Contract.objects.count()} contracts ({created_contracts} new) with "
                f"{Lot.objects.count()} lots; {translated} page translations made or updated."
            )
        )
        if options["no_users"]:
            return
        if not (settings.DEBUG or getattr(settings, "TESTING", False)):
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: no demo logins created (they are for development)."
                )
            )
            return
        self._users()
        superuser = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        learners, referrals = demo_caseload_create(today=today, actor_superuser=superuser)
        self.stdout.write(f"Demo caseload: {learners} learners and {referrals} referrals made.")

    @staticmethod
    def _payment_accounts() -> None:
        """Every demo provider but one can take online payments (test mode); the one left out
        shows the "cannot sell online yet" path and the onboarding in its admin."""
        slugs = {spec["slug"] for spec in data.PROVIDERS} - {data.DEMO_PROVIDER_WITHOUT_PAYMENTS}
        for provider in Provider.objects.filter(slug__in=slugs):
            ConnectedAccount.objects.get_or_create(
                provider=provider,
                defaults={
                    "stripe_account_id": "acct_demo_" + provider.slug.replace("-", "_")[:40],
                    "charges_enabled": True,
                    "payouts_enabled": True,
                    "details_submitted": True,
                },
            )

    def _contracts(self, today: datetime.date) -> int:
        """The region's contracts with the demo providers, one or more lots each; a contract
        already there (by reference) is left as it is."""
        region = Region.objects.get(slug=data.REGION["slug"])
        municipalities = list(region.municipalities.all())
        created = 0
        for spec in data.CONTRACTS:
            if Contract.objects.filter(reference=spec["reference"]).exists():
                continue
            contract = Contract(
                reference=spec["reference"],
                provider=Provider.objects.get(slug=spec["provider"]),
                contracting_municipality=region.central_municipality,
                starts_on=today - datetime.timedelta(days=spec["started_days_ago"]),
                ends_on=today + datetime.timedelta(days=spec["ends_in_days"]),
                extension_options=spec["extension_options"],
                status=ContractStatus.ACTIVE,
            )
            contract.municipalities.set(municipalities)
            contract.full_clean()
            contract.save()
            contract.save_revision(log_action="wagtail.create")
            for name, component, level, share, period, tariff, extra in spec["lots"]:
                self._lot_create(
                    contract=contract,
                    name=name,
                    component=component,
                    education_level=level,
                    capacity=data.lot_capacity(component=component, share=share, period=period),
                    capacity_period=period,
                    tariff_cents=tariff,
                    extra=extra,
                )
            created += 1
        return created

    @staticmethod
    def _lot_create(*, contract: Contract, extra: dict, **fields) -> Lot:
        """A lot checked by the same rules as in the admin (the Keurmerk rule among them)."""
        lot = Lot(contract=contract, **(data.LOT_SLA | fields | extra))
        offerings = Offering.objects.filter(
            provider_id=contract.provider_id, component=lot.component, live=True
        )
        if lot.education_level:
            offerings = offerings.filter(education_level=lot.education_level)
        lot.offerings.set(offerings)
        lot.full_clean()
        lot.save()
        lot.save_revision(log_action="wagtail.create")
        return lot

    def _municipalities(self) -> None:
        region, _ = Region.objects.get_or_create(
            slug=data.REGION["slug"], defaults={"name": data.REGION["name"]}
        )
        for code, name, sh_2020, sh_2021, gm_2020 in data.MUNICIPALITIES:
            municipality, _ = Municipality.objects.get_or_create(
                cbs_code=code, defaults={"name": name, "region": region}
            )
            IntakeVolume.objects.get_or_create(
                municipality=municipality,
                year=2020,
                defaults={"statushouders": sh_2020, "gezinsmigranten": gm_2020},
            )
            IntakeVolume.objects.get_or_create(
                municipality=municipality, year=2021, defaults={"statushouders": sh_2021}
            )
        if region.central_municipality_id is None:
            region.central_municipality = Municipality.objects.get(
                cbs_code=data.CENTRAL_MUNICIPALITY
            )
            region.save(update_fields=["central_municipality"])

    def _languages(self) -> None:
        for code, name_en, name_nl, native in data.LANGUAGES:
            Language.objects.get_or_create(
                code=code, defaults={"name_en": name_en, "name_nl": name_nl, "native_name": native}
            )

    def _providers_and_offerings(self, today: datetime.date) -> int:
        municipalities = {m.cbs_code: m for m in Municipality.objects.all()}
        languages = {language.code: language for language in Language.objects.all()}
        created = 0
        offering_number = 0
        for spec in data.PROVIDERS:
            years = spec.get("keurmerk_valid_years")
            provider, _ = Provider.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "kind": spec["kind"],
                    "kvk_number": spec["kvk_number"],
                    "description": spec["description"],
                    "keurmerk_status": spec["keurmerk_status"],
                    "keurmerk_valid_until": (
                        today.replace(year=today.year + years, day=1) if years else None
                    ),
                    "keurmerk_stars": spec.get("keurmerk_stars"),
                    "website": f"https://{spec['slug']}.example",
                    "email": f"info@{spec['slug']}.example",
                },
            )
            for name, street, postcode, city, code in spec["locations"]:
                Location.objects.get_or_create(
                    provider=provider,
                    name=name,
                    defaults={
                        "street_address": street,
                        "postcode": postcode,
                        "city": city,
                        "municipality": municipalities[code],
                        "accessibility_notes": "Gelijkvloers; bushalte binnen 200 meter.",
                    },
                )
            self._cancellation_terms(provider)
            locations = list(provider.locations.order_by("pk"))
            for reference, title, fields in data.OFFERINGS[spec["slug"]]:
                offering_number += 1
                existing = Offering.objects.filter(provider=provider, reference=reference).first()
                if existing is not None:
                    self._offering_translations_catch_up(existing)
                    continue
                self._offering_create(
                    provider=provider,
                    reference=reference,
                    title=title,
                    fields=dict(fields),
                    locations=locations,
                    languages=languages,
                    number=offering_number,
                    today=today,
                )
                created += 1
        created += self._draft_offering()
        return created

    def _offering_create(
        self, *, provider, reference, title, fields, locations, languages, number, today
    ) -> Offering:
        language_codes = fields.pop("languages", [])
        if fields.get("pass_rate_percent") is not None:
            fields.setdefault("pass_rate_year", today.year - 1)
            fields.setdefault("pass_rate_sample_size", 20 + number * 3)
        fields.setdefault(
            "summary",
            f"{title} bij {provider.name}. Kleine groepen, vaste docent, oefenen in de praktijk.",
        )
        offering = Offering(provider=provider, reference=reference, title=title, **fields)
        offering.full_clean()
        offering.save()
        offering_locations = [] if offering.schedule == "ONLINE" else locations
        offering.locations.set(offering_locations)
        offering.support_languages.set([languages[code] for code in language_codes])
        if self._offering_translations_add(offering):
            offering.save()
        offering.save_revision().publish()
        self._start_moments(
            offering=offering, locations=offering_locations, number=number, today=today
        )
        return offering

    @staticmethod
    def _cancellation_terms(provider: Provider) -> None:
        """The provider's demo terms (``data.CANCELLATION_TERMS``) and their translations, each
        only where the provider has none yet: what someone changed in the admin stays."""
        terms = dict(data.CANCELLATION_TERMS.get(provider.slug, {}))
        dutch = terms.pop("nl", "")
        if dutch and not provider.cancellation_terms:
            provider.cancellation_terms = dutch
            provider.save(update_fields=["cancellation_terms"])
        for language, text in terms.items():
            ProviderTranslation.objects.get_or_create(
                provider=provider, language=language, defaults={"cancellation_terms": text}
            )

    @staticmethod
    def _offering_translations_add(offering: Offering) -> bool:
        """Add the demo translations (``data.OFFERING_TRANSLATIONS``) the offering lacks, in
        memory (its next ``save`` and revision hold them). Whether it added any."""
        have = {translation.language for translation in offering.translations.all()}
        added = False
        for language, texts in data.OFFERING_TRANSLATIONS.get(offering.reference, {}).items():
            if language not in have:
                offering.translations.add(OfferingTranslation(language=language, **texts))
                added = True
        return added

    def _offering_translations_catch_up(self, offering: Offering) -> None:
        """A database seeded before the demo had translations gets them, published in a new
        revision (so the admin's form, which shows the latest revision, has them too). An
        offering with unpublished changes is left alone: publishing would publish those."""
        if not offering.live or offering.has_unpublished_changes:
            return
        if self._offering_translations_add(offering):
            offering.save()
            offering.save_revision().publish()

    def _start_moments(self, *, offering, locations, number, today) -> None:
        weeks = offering.duration_weeks or 10
        moments = []
        for index in range(4):
            starts_on = today + datetime.timedelta(days=7 + (number * 5) % 30 + index * 84)
            seats, taken = SEAT_PATTERN[(number + index) % len(SEAT_PATTERN)]
            moments.append(
                StartMoment(
                    offering=offering,
                    reference=f"{offering.reference}-{index + 1}",
                    location=locations[index % len(locations)] if locations else None,
                    starts_on=starts_on,
                    ends_on=starts_on + datetime.timedelta(weeks=weeks),
                    enrolment_deadline=starts_on - datetime.timedelta(days=3),
                    seats=seats,
                    seats_taken=taken,
                )
            )
        StartMoment.objects.bulk_create(moments)

    def _draft_offering(self) -> int:
        """One offering that was never published, to show that drafts stay invisible."""
        provider = Provider.objects.get(slug="talenschool-de-duinrand")
        if Offering.objects.filter(provider=provider, reference="DR-B1-NEW").exists():
            return 0
        offering = Offering(
            provider=provider,
            reference="DR-B1-NEW",
            title="B1-route nieuw programma (concept)",
            component="B1_ROUTE",
            schedule="DAYTIME",
            hours_total=500,
            price_cents=640000,
            live=False,
        )
        offering.save()
        offering.save_revision()
        return 1

    def _pages(self) -> None:
        site = Site.objects.filter(is_default_site=True).first()
        home = HomePage.objects.first()
        if home is None:
            root = self._root_page()
            home = HomePage(
                title=pt.HOME_TITLE,
                slug="routewijzer",
                intro=pt.HOME_INTRO,
            )
            _add_published(parent=root, page=home)
            if site is None:
                site = Site.objects.create(
                    hostname="localhost", port=80, root_page=home, is_default_site=True
                )
            old_root = site.root_page
            site.root_page = home
            site.site_name = "Routewijzer"
            site.save()
            if old_root.pk != home.pk and old_root.specific_class != HomePage:
                old_root.delete()
        if not CataloguePage.objects.exists():
            catalogue = CataloguePage(
                title=pt.CATALOGUE_TITLE,
                slug="aanbod",
                show_in_menus=True,
                intro=pt.CATALOGUE_INTRO,
            )
            _add_published(parent=home, page=catalogue)
        if not ContentPage.objects.filter(slug="inburgering").exists():
            about = ContentPage(
                title=pt.ABOUT_TITLE,
                slug="inburgering",
                show_in_menus=True,
                intro=pt.ABOUT_INTRO,
                body=[
                    ("heading", pt.ABOUT_ROUTES_HEADING),
                    ("paragraph", f"<p>{pt.ABOUT_ROUTES}</p>"),
                    ("heading", pt.ABOUT_PAYING_HEADING),
                    ("paragraph", f"<p>{pt.ABOUT_PAYING}</p>"),
                ],
            )
            _add_published(parent=home, page=about)
        if not ContentPage.objects.filter(slug="toegankelijkheid").exists():
            statement = ContentPage(
                title=pt.STATEMENT_TITLE,
                slug="toegankelijkheid",
                intro=pt.STATEMENT_INTRO,
                body=[("paragraph", f"<p>{pt.STATEMENT}</p>")],
            )
            _add_published(parent=home, page=statement)

    @staticmethod
    def _page_translations() -> int:
        """The demo pages in every other language, through wagtail-localize's PO import (as a
        translator's file would come in); pages already translated so are left alone."""
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            return 0
        dutch = site.root_page
        pages = [dutch, *dutch.get_descendants().filter(locale_id=dutch.locale_id)]
        made = 0
        for code, strings in pt.PAGE_TRANSLATIONS.items():
            locale = Locale.objects.filter(language_code=code).first()
            if locale is None:
                continue
            for page in pages:
                made += page_translation_save(page=page.specific, locale=locale, strings=strings)
        return made

    @staticmethod
    def _root_page() -> Page:
        """Wagtail's root page and default locale come from its migrations; a flushed database
        (as in browser tests) has neither, so make them again."""
        root = Page.get_first_root_node()
        if root is not None:
            return root
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        return Page.add_root(instance=Page(title="Root", slug="root"))

    def _users(self) -> None:
        user_model = get_user_model()
        municipalities = {m.cbs_code: m for m in Municipality.objects.all()}
        rows = []
        for email, first, last, role, extra in data.DEMO_USERS:
            user = user_model.objects.filter(email=email).first()
            if user is None:
                user = user_model(
                    username=email,
                    email=email,
                    first_name=first,
                    last_name=last,
                    role="LEARNER" if role == "SUPERUSER" else role,
                    is_superuser=role == "SUPERUSER",
                    is_staff=role in ("SUPERUSER", "SITE_EDITOR", "CONTRACT_MANAGER"),
                    municipality=municipalities.get(extra.get("municipality", "")),
                )
                user.set_password(data.DEMO_PASSWORD)
                user.save()
                self._verified_email(user)
                if "provider" in extra:
                    ProviderMembership.objects.create(
                        user=user,
                        provider=Provider.objects.get(slug=extra["provider"]),
                        role=extra.get("membership", ProviderMembership.Role.ADMIN),
                    )
            if permissions.is_staff_member(user):
                self._demo_authenticator(user)
            rows.append((role, email))
        self.stdout.write("\nDemo logins (development only), password: " + data.DEMO_PASSWORD)
        for role, email in rows:
            self.stdout.write(f"  {role:<17} {email}")
        self.stdout.write(
            "Staff logins also ask for a code from an authenticator app. Add the demo secret "
            f"{data.DEMO_TOTP_SECRET} to an app, or run `python manage.py demo_totp` for the "
            "current code."
        )

    @staticmethod
    def _demo_authenticator(user) -> None:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, data.DEMO_TOTP_SECRET)

    @staticmethod
    def _verified_email(user) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
