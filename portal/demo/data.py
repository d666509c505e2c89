"""Fictional demo data for the region IJmond en Zuid-Kennemerland.

Municipalities and volumes are the real ones from the domain notes (Haarlem's annex). Providers,
their prices and pass rates are invented: no real organisation is named.
"""

from __future__ import annotations

REGION = {"name": "IJmond en Zuid-Kennemerland", "slug": "ijmond-zuid-kennemerland"}
CENTRAL_MUNICIPALITY = "GM0392"

# (CBS code, name, statushouders 2020, statushouders 2021, gezinsmigranten 2020)
MUNICIPALITIES = [
    ("GM0375", "Beverwijk", 17, 35, 16),
    ("GM0377", "Bloemendaal", 10, 22, 10),
    ("GM0392", "Haarlem", 65, 136, 100),
    ("GM0396", "Heemskerk", 17, 33, 16),
    ("GM0397", "Heemstede", 11, 23, 10),
    ("GM0453", "Velsen", 29, 58, 26),
    ("GM0473", "Zandvoort", 8, 15, 10),
]

# (code, English, Dutch, native)
LANGUAGES = [
    ("ar", "Arabic", "Arabisch", "العربية"),
    ("en", "English", "Engels", "English"),
    ("fa", "Persian", "Perzisch", "فارسی"),
    ("ti", "Tigrinya", "Tigrinya", "ትግርኛ"),
    ("tr", "Turkish", "Turks", "Türkçe"),
    ("uk", "Ukrainian", "Oekraïens", "Українська"),
    ("so", "Somali", "Somalisch", "Soomaali"),
    ("es", "Spanish", "Spaans", "Español"),
    ("pl", "Polish", "Pools", "Polski"),
]

# Each provider: its fields, its locations (name, street, postcode, city, CBS code) and offerings.
# Offering tuples: (reference, title, component, extra fields)
PROVIDERS = [
    {
        "slug": "taalhuis-spaarnestad",
        "name": "Taalhuis Spaarnestad",
        "kind": "LANGUAGE",
        "kvk_number": "90000001",
        "keurmerk_status": "CERTIFIED",
        "keurmerk_valid_years": 2,
        "keurmerk_stars": 4,
        "description": "Fictional language school that leads the brugklas and the B1 and Z routes "
        "in the region, together with two partner schools.",
        "locations": [
            ("Leslocatie Centrum", "Spaarnekade 12", "2011 AB", "Haarlem", "GM0392"),
            ("Leslocatie Schalkwijk", "Europaweg 40", "2034 AA", "Haarlem", "GM0392"),
        ],
    },
    {
        "slug": "talenschool-de-duinrand",
        "name": "Talenschool De Duinrand",
        "kind": "LANGUAGE",
        "kvk_number": "90000002",
        "keurmerk_status": "CERTIFIED",
        "keurmerk_valid_years": 1,
        "keurmerk_stars": 3,
        "description": "Fictional language school for small groups, daytime and evening.",
        "locations": [
            ("Duinrand Beverwijk", "Breestraat 5", "1941 EA", "Beverwijk", "GM0375"),
            (
                "Duinrand Heemskerk",
                "Maerten van Heemskercklaan 8",
                "1961 AA",
                "Heemskerk",
                "GM0396",
            ),
        ],
    },
    {
        "slug": "nt2-leerplein-kennemerland",
        "name": "NT2 Leerplein Kennemerland",
        "kind": "LANGUAGE",
        "kvk_number": "90000003",
        "keurmerk_status": "ASPIRANT",
        "keurmerk_valid_years": -1,
        "keurmerk_stars": None,
        "description": "Fictional language school, new in the region; its aspirant quality mark "
        "has lapsed, which the catalogue shows.",
        "locations": [
            ("Leerplein IJmuiden", "Lange Nieuwstraat 100", "1972 GJ", "IJmuiden", "GM0453"),
            ("Leerplein Heemstede", "Binnenweg 20", "2101 JC", "Heemstede", "GM0397"),
        ],
    },
    {
        "slug": "stichting-welkom-aan-zee",
        "name": "Stichting Welkom aan Zee",
        "kind": "SUPPORT",
        "kvk_number": "90000004",
        "keurmerk_status": "NONE",
        "description": "Fictional refugee-support foundation: participation statement (PVT), "
        "social support and practice coaching.",
        "locations": [
            ("Huis van Welkom", "Zijlweg 70", "2013 DK", "Haarlem", "GM0392"),
            ("Welkom Zandvoort", "Kerkstraat 3", "2042 JA", "Zandvoort", "GM0473"),
        ],
    },
    {
        "slug": "werkwijs-ijmond",
        "name": "Werkwijs IJmond",
        "kind": "PARTICIPATION",
        "kvk_number": "90000005",
        "keurmerk_status": "NONE",
        "description": "Fictional participation organisation: labour-market orientation and "
        "work experience.",
        "locations": [("Werkplaats Velsen", "Kennemerlaan 50", "1972 EH", "IJmuiden", "GM0453")],
    },
    {
        "slug": "meedoen-kennemerland",
        "name": "Meedoen Kennemerland",
        "kind": "PARTICIPATION",
        "kvk_number": "90000006",
        "keurmerk_status": "NONE",
        "description": "Fictional participation organisation for volunteering and job coaching.",
        "locations": [
            ("Meedoen Bloemendaal", "Bloemendaalseweg 30", "2061 CN", "Bloemendaal", "GM0377"),
            ("Meedoen Haarlem-Noord", "Rijksstraatweg 150", "2022 DB", "Haarlem", "GM0392"),
        ],
    },
    {
        "slug": "hogeschool-aan-het-spaarne",
        "name": "Hogeschool aan het Spaarne",
        "kind": "EDUCATION",
        "kvk_number": "90000007",
        "keurmerk_status": "NONE",
        "description": "Fictional university of applied sciences: education route towards HBO.",
        "locations": [("Campus Spaarne", "Zuiderhoutlaan 1", "2012 PJ", "Haarlem", "GM0392")],
    },
    {
        "slug": "kennemer-universiteit",
        "name": "Kennemer Universiteit",
        "kind": "EDUCATION",
        "kvk_number": "90000008",
        "keurmerk_status": "NONE",
        "description": "Fictional university: education route towards WO, with a preparatory "
        "year in Dutch.",
        "locations": [("Universiteitsgebouw", "Raaks 2", "2011 VA", "Haarlem", "GM0392")],
    },
]

# The providers' cancellation terms (Dutch) and the schools' own translations of them. Two
# schools wrote them in English and Arabic; NT2 Leerplein only in Dutch, so its learners who read
# the site in another language see the Dutch terms with a note. The terms agree with the refund
# after the 14 days (``late_cancellation_refund_percent``, 0 for all demo providers).
CANCELLATION_TERMS = {
    "taalhuis-spaarnestad": {
        "nl": "Zegt u af binnen 14 dagen na uw inschrijving, en vóór de start? Dan krijgt u al "
        "uw geld terug. Zegt u later af? Dan krijgt u geen geld terug.\n\nBent u lang ziek, of "
        "verhuist u? Neem dan contact met ons op. We zoeken samen een oplossing.",
        "en": "Do you cancel within 14 days of enrolling, and before the start? Then you get "
        "all your money back. Do you cancel later? Then you get no money back.\n\nAre you ill "
        "for a long time, or do you move house? Please contact us. We will look for a solution "
        "together.",
        "ar": "هل تلغي التسجيل خلال 14 يومًا من تسجيلك، وقبل بداية الدورة؟ عندها تسترد كل "
        "أموالك. هل تلغي بعد ذلك؟ عندها لا تسترد أي مال.\n\nهل أنت مريض لمدة طويلة، أو "  # noqa: RUF001 (Arabic meant)
        "تنتقل إلى سكن آخر؟ يُرجى التواصل معنا. سنبحث معًا عن حل.",
    },
    "talenschool-de-duinrand": {
        "nl": "U kunt zonder kosten afzeggen binnen 14 dagen na uw inschrijving, als de cursus "
        "nog niet begonnen is. Daarna betaalt u de hele cursus. Mist u lessen? Dan krijgt u "
        "daarvoor geen geld terug.",
        "en": "You can cancel at no cost within 14 days of enrolling, if the course has not "
        "started yet. After that, you pay for the whole course. Do you miss lessons? Then you "
        "get no money back for them.",
        "ar": "يمكنك إلغاء التسجيل دون تكلفة خلال 14 يومًا من تسجيلك، إذا لم تبدأ الدورة بعد. "
        "بعد ذلك تدفع ثمن الدورة كاملًا. هل تفوتك بعض الدروس؟ عندها لا تسترد مالًا مقابلها.",
    },
    "nt2-leerplein-kennemerland": {
        "nl": "Zegt u af binnen 14 dagen na uw inschrijving, en vóór de start? Dan krijgt u al "
        "uw geld terug. Daarna krijgt u geen geld terug.",
    },
}

# The schools' own translations of a few offerings (title and summary; the Dutch summary is
# "<title> bij <provider>. Kleine groepen, vaste docent, oefenen in de praktijk."). Programme
# names stay in Latin script. Some are partial, so the demo shows both the school's translation
# and the Dutch text with its note: TS-B1-I has no Arabic, LP-B1-D only an English title.
OFFERING_TRANSLATIONS = {
    "TS-B1-D": {
        "en": {
            "title": "B1-route during the day",
            "summary": "B1-route during the day at Taalhuis Spaarnestad. Small groups, one "
            "fixed teacher, practice in daily life.",
        },
        "ar": {
            "title": "B1-route في النهار",
            "summary": "B1-route في النهار في Taalhuis Spaarnestad. مجموعات صغيرة، ومعلم "
            "ثابت، وتدريب في الحياة اليومية.",
        },
        "tr": {
            "title": "Gündüz B1-route",
            "summary": "Taalhuis Spaarnestad'da gündüz B1-route. Küçük gruplar, sabit bir "
            "öğretmen, günlük hayatta pratik.",
        },
    },
    "TS-B1-A": {
        "en": {
            "title": "B1-route in the evening",
            "summary": "B1-route in the evening at Taalhuis Spaarnestad. Small groups, one "
            "fixed teacher, practice in daily life.",
        },
        "ar": {
            "title": "B1-route في المساء",
            "summary": "B1-route في المساء في Taalhuis Spaarnestad. مجموعات صغيرة، ومعلم "
            "ثابت، وتدريب في الحياة اليومية.",
        },
    },
    "TS-B1-I": {
        "en": {
            "title": "Intensive B1-route",
            "summary": "Intensive B1-route at Taalhuis Spaarnestad. Small groups, one fixed "
            "teacher, practice in daily life.",
        },
    },
    "DR-B1-A": {
        "en": {
            "title": "B1-route evening course",
            "summary": "B1-route evening course at Talenschool De Duinrand. Small groups, one "
            "fixed teacher, practice in daily life.",
        },
        "ar": {
            "title": "B1-route دورة مسائية",
            "summary": "B1-route دورة مسائية في Talenschool De Duinrand. مجموعات صغيرة، "
            "ومعلم ثابت، وتدريب في الحياة اليومية.",
        },
        "tr": {
            "title": "B1-route akşam kursu",
            "summary": "Talenschool De Duinrand'da B1-route akşam kursu. Küçük gruplar, sabit "
            "bir öğretmen, günlük hayatta pratik.",
        },
    },
    "LP-B1-D": {"en": {"title": "B1-route day course"}},
}

_B1 = {
    "component": "B1_ROUTE",
    "cefr_from": "A1",
    "cefr_to": "B1",
    "price_includes_materials": True,
}
_Z = {"component": "Z_ROUTE", "cefr_from": "A0", "cefr_to": "A2", "hours_total": 1600}

# provider slug -> offerings (reference, title, fields)
OFFERINGS = {
    "taalhuis-spaarnestad": [
        (
            "TS-B1-D",
            "B1-route overdag",
            {
                **_B1,
                "schedule": "DAYTIME",
                "hours_total": 600,
                "hours_per_week": 12,
                "duration_weeks": 50,
                "price_cents": 780000,
                "duo_loan_eligible": True,
                "childcare": True,
                "pass_rate_percent": 71,
                "languages": ["ar", "ti", "en"],
            },
        ),
        (
            "TS-B1-A",
            "B1-route 's avonds",
            {
                **_B1,
                "schedule": "EVENING",
                "hours_total": 540,
                "hours_per_week": 6,
                "duration_weeks": 90,
                "price_cents": 702000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 64,
                "languages": ["en", "tr"],
            },
        ),
        (
            "TS-B1-I",
            "B1-route intensief",
            {
                **_B1,
                "schedule": "DAYTIME",
                "hours_total": 480,
                "hours_per_week": 20,
                "duration_weeks": 24,
                "price_cents": 672000,
                "duo_loan_eligible": True,
                "price_includes_exams": True,
                "pass_rate_percent": 78,
                "languages": ["en"],
            },
        ),
        (
            "TS-B1-H",
            "B1-route hybride",
            {
                **_B1,
                "schedule": "HYBRID",
                "hours_total": 500,
                "hours_per_week": 8,
                "duration_weeks": 60,
                "price_cents": 650000,
                "duo_loan_eligible": True,
                "languages": ["uk", "pl"],
            },
        ),
        (
            "TS-Z",
            "Z-route taal en meedoen",
            {
                **_Z,
                "schedule": "DAYTIME",
                "hours_per_week": 16,
                "duration_weeks": 100,
                "price_cents": None,
                "for_gezinsmigranten": False,
                "childcare": True,
                "languages": ["ar", "ti", "so"],
            },
        ),
        (
            "TS-BRUG",
            "Brugklas: zes weken oriëntatie",
            {
                "component": "BRUGKLAS",
                "schedule": "DAYTIME",
                "hours_total": 72,
                "hours_per_week": 12,
                "duration_weeks": 6,
                "for_gezinsmigranten": False,
                "languages": ["ar", "ti", "fa"],
            },
        ),
        (
            "TS-KNM",
            "Kennis van de Nederlandse Maatschappij",
            {
                "component": "KNM",
                "schedule": "EVENING",
                "hours_total": 40,
                "hours_per_week": 3,
                "duration_weeks": 14,
                "price_cents": 48000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 88,
                "languages": ["en", "ar"],
            },
        ),
        (
            "TS-ALFA",
            "Alfabetisering",
            {
                "component": "ALFABETISERING",
                "cefr_from": "A0",
                "cefr_to": "A1",
                "schedule": "DAYTIME",
                "hours_total": 300,
                "hours_per_week": 10,
                "duration_weeks": 30,
                "price_cents": 360000,
                "duo_loan_eligible": True,
                "childcare": True,
                "languages": ["ar", "ti", "so"],
            },
        ),
        (
            "TS-B1-W",
            "B1-route weekend",
            {
                **_B1,
                "schedule": "WEEKEND",
                "hours_total": 450,
                "hours_per_week": 6,
                "duration_weeks": 75,
                "price_cents": 594000,
                "duo_loan_eligible": True,
                "languages": ["en", "es"],
            },
        ),
    ],
    "talenschool-de-duinrand": [
        (
            "DR-B1-D",
            "B1-route in kleine groepen",
            {
                **_B1,
                "schedule": "DAYTIME",
                "hours_total": 560,
                "hours_per_week": 10,
                "duration_weeks": 56,
                "price_cents": 812000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 74,
                "price_includes_exams": True,
                "languages": ["en", "tr", "pl"],
            },
        ),
        (
            "DR-B1-A",
            "B1-route avondcursus",
            {
                **_B1,
                "schedule": "EVENING",
                "hours_total": 480,
                "hours_per_week": 6,
                "duration_weeks": 80,
                "price_cents": 696000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 62,
                "languages": ["en"],
            },
        ),
        (
            "DR-B1-O",
            "B1-route online",
            {
                **_B1,
                "schedule": "ONLINE",
                "hours_total": 400,
                "hours_per_week": 8,
                "duration_weeks": 50,
                "price_cents": 520000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 58,
                "languages": ["en", "uk", "es"],
            },
        ),
        (
            "DR-Z",
            "Z-route praktisch Nederlands",
            {
                **_Z,
                "schedule": "DAYTIME",
                "hours_per_week": 16,
                "duration_weeks": 100,
                "for_gezinsmigranten": False,
                "languages": ["ar", "fa"],
            },
        ),
        (
            "DR-KNM",
            "KNM in 10 avonden",
            {
                "component": "KNM",
                "schedule": "EVENING",
                "hours_total": 30,
                "hours_per_week": 3,
                "duration_weeks": 10,
                "price_cents": 39000,
                "duo_loan_eligible": True,
                "pass_rate_percent": 91,
                "languages": ["en"],
            },
        ),
        (
            "DR-B1-W",
            "B1-route zaterdag",
            {
                **_B1,
                "schedule": "WEEKEND",
                "hours_total": 420,
                "hours_per_week": 5,
                "duration_weeks": 84,
                "price_cents": 588000,
                "duo_loan_eligible": True,
                "languages": ["pl", "tr"],
            },
        ),
        (
            "DR-ALFA",
            "Lezen en schrijven voor beginners",
            {
                "component": "ALFABETISERING",
                "cefr_from": "A0",
                "cefr_to": "A1",
                "schedule": "DAYTIME",
                "hours_total": 240,
                "hours_per_week": 8,
                "duration_weeks": 30,
                "price_cents": 288000,
                "duo_loan_eligible": True,
                "childcare": True,
                "languages": ["ar"],
            },
        ),
    ],
    "nt2-leerplein-kennemerland": [
        (
            "LP-B1-D",
            "B1-route dagopleiding",
            {
                **_B1,
                "schedule": "DAYTIME",
                "hours_total": 600,
                "hours_per_week": 12,
                "duration_weeks": 50,
                "price_cents": 690000,
                "duo_loan_eligible": False,
                "languages": ["uk", "en", "fa"],
            },
        ),
        (
            "LP-B1-A",
            "B1-route avond",
            {
                **_B1,
                "schedule": "EVENING",
                "hours_total": 500,
                "hours_per_week": 6,
                "duration_weeks": 84,
                "price_cents": 575000,
                "languages": ["en"],
            },
        ),
        (
            "LP-Z",
            "Z-route met praktijk",
            {
                **_Z,
                "schedule": "DAYTIME",
                "hours_per_week": 14,
                "duration_weeks": 115,
                "for_gezinsmigranten": False,
                "childcare": True,
                "languages": ["ti", "ar"],
            },
        ),
        (
            "LP-KNM",
            "KNM-cursus",
            {
                "component": "KNM",
                "schedule": "DAYTIME",
                "hours_total": 36,
                "hours_per_week": 4,
                "duration_weeks": 9,
                "price_cents": 35000,
                "languages": ["uk", "en"],
            },
        ),
        (
            "LP-B1-O",
            "B1-route online met coach",
            {
                **_B1,
                "schedule": "ONLINE",
                "hours_total": 420,
                "hours_per_week": 6,
                "duration_weeks": 70,
                "price_cents": 462000,
                "languages": ["uk", "en", "es"],
            },
        ),
    ],
    "stichting-welkom-aan-zee": [
        (
            "WZ-PVT-S",
            "Participatieverklaringstraject (in de brugklas)",
            {
                "component": "PVT",
                "schedule": "DAYTIME",
                "hours_total": 12,
                "hours_per_week": 3,
                "duration_weeks": 4,
                "for_gezinsmigranten": False,
                "languages": ["ar", "ti", "fa", "so"],
            },
        ),
        (
            "WZ-PVT-G",
            "Participatieverklaringstraject voor gezinsmigranten",
            {
                "component": "PVT",
                "schedule": "EVENING",
                "hours_total": 12,
                "hours_per_week": 3,
                "duration_weeks": 4,
                "for_statushouders": False,
                "price_cents": 0,
                "languages": ["en", "tr", "es"],
            },
        ),
        (
            "WZ-PVT-W",
            "Participatieverklaring in het weekend",
            {
                "component": "PVT",
                "schedule": "WEEKEND",
                "hours_total": 12,
                "hours_per_week": 4,
                "duration_weeks": 3,
                "price_cents": 0,
                "languages": ["en", "uk"],
            },
        ),
        (
            "WZ-PVT-Z",
            "Participatieverklaring Zandvoort",
            {
                "component": "PVT",
                "schedule": "DAYTIME",
                "hours_total": 14,
                "hours_per_week": 3,
                "duration_weeks": 5,
                "childcare": True,
                "languages": ["ar"],
            },
        ),
        (
            "WZ-MAP",
            "MAP met praktijkcoach",
            {
                "component": "MAP",
                "schedule": "DAYTIME",
                "hours_total": 48,
                "hours_per_week": 4,
                "duration_weeks": 12,
                "languages": ["ar", "ti"],
            },
        ),
    ],
    "werkwijs-ijmond": [
        (
            "WW-MAP-D",
            "MAP: werken in Nederland",
            {
                "component": "MAP",
                "schedule": "DAYTIME",
                "hours_total": 40,
                "hours_per_week": 4,
                "duration_weeks": 10,
                "price_cents": 0,
                "languages": ["en", "ar"],
            },
        ),
        (
            "WW-MAP-A",
            "MAP avondprogramma",
            {
                "component": "MAP",
                "schedule": "EVENING",
                "hours_total": 40,
                "hours_per_week": 3,
                "duration_weeks": 14,
                "price_cents": 0,
                "languages": ["en", "pl"],
            },
        ),
        (
            "WW-MAP-P",
            "MAP met werkervaringsplek",
            {
                "component": "MAP",
                "schedule": "DAYTIME",
                "hours_total": 60,
                "hours_per_week": 6,
                "duration_weeks": 10,
                "for_gezinsmigranten": False,
                "languages": ["ar", "ti"],
            },
        ),
        (
            "WW-PVT",
            "PVT IJmond",
            {
                "component": "PVT",
                "schedule": "DAYTIME",
                "hours_total": 12,
                "hours_per_week": 4,
                "duration_weeks": 3,
                "price_cents": 0,
                "languages": ["en"],
            },
        ),
    ],
    "meedoen-kennemerland": [
        (
            "MK-MAP-V",
            "MAP via vrijwilligerswerk",
            {
                "component": "MAP",
                "schedule": "DAYTIME",
                "hours_total": 44,
                "hours_per_week": 4,
                "duration_weeks": 11,
                "price_cents": 0,
                "childcare": True,
                "languages": ["ar", "fa", "so"],
            },
        ),
        (
            "MK-MAP-O",
            "MAP online en op locatie",
            {
                "component": "MAP",
                "schedule": "HYBRID",
                "hours_total": 40,
                "hours_per_week": 4,
                "duration_weeks": 10,
                "price_cents": 0,
                "languages": ["en", "uk"],
            },
        ),
        (
            "MK-MAP-W",
            "MAP zaterdagprogramma",
            {
                "component": "MAP",
                "schedule": "WEEKEND",
                "hours_total": 40,
                "hours_per_week": 5,
                "duration_weeks": 8,
                "price_cents": 0,
                "languages": ["en", "es", "tr"],
            },
        ),
        (
            "MK-PVT",
            "Participatieverklaring Bloemendaal",
            {
                "component": "PVT",
                "schedule": "EVENING",
                "hours_total": 12,
                "hours_per_week": 3,
                "duration_weeks": 4,
                "price_cents": 0,
                "languages": ["en", "pl"],
            },
        ),
    ],
    "hogeschool-aan-het-spaarne": [
        (
            "HS-OR-HBO",
            "Schakeljaar hbo (onderwijsroute)",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "HBO",
                "cefr_from": "A2",
                "cefr_to": "B2",
                "schedule": "DAYTIME",
                "hours_total": 900,
                "hours_per_week": 24,
                "duration_weeks": 38,
                "for_gezinsmigranten": False,
                "pass_rate_percent": 67,
                "languages": ["en", "ar"],
            },
        ),
        (
            "HS-OR-MBO4",
            "Taalschakeltraject mbo 4",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "MBO4",
                "cefr_from": "A2",
                "cefr_to": "B1",
                "schedule": "DAYTIME",
                "hours_total": 800,
                "hours_per_week": 22,
                "duration_weeks": 36,
                "for_gezinsmigranten": False,
                "languages": ["ar", "ti"],
            },
        ),
        (
            "HS-OR-MBO3",
            "Taalschakeltraject mbo 3",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "MBO3",
                "cefr_from": "A1",
                "cefr_to": "B1",
                "schedule": "DAYTIME",
                "hours_total": 760,
                "hours_per_week": 20,
                "duration_weeks": 38,
                "for_gezinsmigranten": False,
                "languages": ["ar", "fa"],
            },
        ),
        (
            "HS-OR-MBO2",
            "Taalschakeltraject mbo 2",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "MBO2",
                "cefr_from": "A1",
                "cefr_to": "B1",
                "schedule": "DAYTIME",
                "hours_total": 700,
                "hours_per_week": 20,
                "duration_weeks": 35,
                "for_gezinsmigranten": False,
                "languages": ["ti", "so"],
            },
        ),
    ],
    "kennemer-universiteit": [
        (
            "KU-OR-WO",
            "Voorbereidend jaar universiteit (onderwijsroute)",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "WO",
                "cefr_from": "B1",
                "cefr_to": "B2",
                "schedule": "DAYTIME",
                "hours_total": 1000,
                "hours_per_week": 26,
                "duration_weeks": 38,
                "for_gezinsmigranten": False,
                "pass_rate_percent": 72,
                "languages": ["en"],
            },
        ),
        (
            "KU-OR-WO-D",
            "Nederlands voor masterstudenten",
            {
                "component": "ONDERWIJSROUTE",
                "education_level": "WO",
                "cefr_from": "A2",
                "cefr_to": "B2",
                "schedule": "HYBRID",
                "hours_total": 640,
                "hours_per_week": 16,
                "duration_weeks": 40,
                "for_gezinsmigranten": False,
                "languages": ["en", "fa"],
            },
        ),
        (
            "KU-KNM",
            "KNM voor studenten",
            {
                "component": "KNM",
                "schedule": "ONLINE",
                "hours_total": 24,
                "hours_per_week": 3,
                "duration_weeks": 8,
                "price_cents": 29000,
                "languages": ["en"],
            },
        ),
    ],
}

# The region's contracts (contracting municipality: Haarlem; covered: all 7 municipalities).
# Capacities follow the seed's volumes: 322 statushouders in 2021, split 60 % B1-route, 25 %
# onderwijsroute and 15 % Z-route (domain notes), shared out over the providers by ``share``
# (percent of the route). Tariffs are invented round numbers (the providers are fictional). KNM and
# literacy are bought as part of the routes, maatschappelijke begeleiding as a service (not a
# catalogue component), so neither has a lot of its own. Terms are days from the day the seed
# runs; the foundation's contract ends within 90 days, so the start page has something to show.
STATUSHOUDERS_PER_YEAR = sum(row[3] for row in MUNICIPALITIES)  # 322
ROUTE_SPLIT_PERCENT = {"B1_ROUTE": 60, "ONDERWIJSROUTE": 25, "Z_ROUTE": 15}
# Everyone but the onderwijsroute (which is exempt) does the MAP.
MAP_PERCENT = 100 - ROUTE_SPLIT_PERCENT["ONDERWIJSROUTE"]

LOT_SLA = {"answer_within_working_days": 5, "start_within_weeks": 4}
CONTRACTS = [
    {
        "reference": "RIJZK-2025-TAAL-01",
        "provider": "taalhuis-spaarnestad",
        "started_days_ago": 540,
        "ends_in_days": 600,
        "extension_options": "Twee keer een jaar verlenging; besluit uiterlijk zes maanden voor "
        "het einde.",
        "lots": [
            # (name, component, education level, share %, capacity period, tariff cents, extra)
            (
                "Perceel 1a: brugklas",
                "BRUGKLAS",
                "",
                100,
                "QUARTER",
                150000,
                {
                    "start_within_weeks": 2,
                },
            ),
            ("Perceel 2a: B1-route", "B1_ROUTE", "", 50, "YEAR", 1000000, {}),
            ("Perceel 3a: Z-route", "Z_ROUTE", "", 50, "YEAR", 1200000, {}),
        ],
    },
    {
        # Its quality mark (valid for about a year) ends before this contract does: the start
        # page flags its B1 and Z lots.
        "reference": "RIJZK-2025-TAAL-02",
        "provider": "talenschool-de-duinrand",
        "started_days_ago": 540,
        "ends_in_days": 600,
        "extension_options": "Twee keer een jaar verlenging.",
        "lots": [
            ("Perceel 2b: B1-route", "B1_ROUTE", "", 30, "YEAR", 1000000, {}),
            ("Perceel 3b: Z-route", "Z_ROUTE", "", 30, "YEAR", 1200000, {}),
        ],
    },
    {
        # Its aspirant mark has lapsed: the lots wait, inactive, until Blik op Werk renews it (the
        # Keurmerk rule refuses to make them active).
        "reference": "RIJZK-2025-TAAL-03",
        "provider": "nt2-leerplein-kennemerland",
        "started_days_ago": 540,
        "ends_in_days": 600,
        "extension_options": "Twee keer een jaar verlenging.",
        "lots": [
            ("Perceel 2c: B1-route", "B1_ROUTE", "", 20, "YEAR", 1000000, {"status": "INACTIVE"}),
            ("Perceel 3c: Z-route", "Z_ROUTE", "", 20, "YEAR", 1200000, {"status": "INACTIVE"}),
        ],
    },
    {
        "reference": "RIJZK-2024-PVT-01",
        "provider": "stichting-welkom-aan-zee",
        "started_days_ago": 700,
        "ends_in_days": 60,
        "extension_options": "Eén keer een jaar verlenging; besluit uiterlijk drie maanden voor "
        "het einde. Maatschappelijke begeleiding (12 maanden vanaf huisvesting) valt onder "
        "hetzelfde contract, als dienst per statushouder.",
        "lots": [
            ("Perceel 4: PVT", "PVT", "", 100, "QUARTER", 50000, {"start_within_weeks": 2}),
        ],
    },
    {
        "reference": "RIJZK-2025-MAP-01",
        "provider": "werkwijs-ijmond",
        "started_days_ago": 300,
        "ends_in_days": 430,
        "extension_options": "Twee keer een jaar verlenging.",
        "lots": [("Perceel 5a: MAP", "MAP", "", 50, "HALF_YEAR", 120000, {})],
    },
    {
        "reference": "RIJZK-2025-MAP-02",
        "provider": "meedoen-kennemerland",
        "started_days_ago": 300,
        "ends_in_days": 430,
        "extension_options": "Twee keer een jaar verlenging.",
        "lots": [("Perceel 5b: MAP", "MAP", "", 50, "HALF_YEAR", 120000, {})],
    },
    {
        # The onderwijsroute towards MBO is still to be procured; HBO and WO take their part.
        "reference": "RIJZK-2025-OR-01",
        "provider": "hogeschool-aan-het-spaarne",
        "started_days_ago": 250,
        "ends_in_days": 480,
        "extension_options": "Eén keer twee jaar verlenging.",
        "lots": [
            (
                "Perceel 6a: onderwijsroute hbo",
                "ONDERWIJSROUTE",
                "HBO",
                40,
                "YEAR",
                1500000,
                {
                    "start_within_weeks": 8,
                },
            ),
        ],
    },
    {
        "reference": "RIJZK-2025-OR-02",
        "provider": "kennemer-universiteit",
        "started_days_ago": 250,
        "ends_in_days": 480,
        "extension_options": "Eén keer twee jaar verlenging.",
        "lots": [
            (
                "Perceel 6b: onderwijsroute wo",
                "ONDERWIJSROUTE",
                "WO",
                20,
                "YEAR",
                1600000,
                {
                    "start_within_weeks": 8,
                },
            ),
        ],
    },
]


def lot_capacity(*, component: str, share: int, period: str) -> int:
    """Placements per period for a lot with ``share`` percent of its component's yearly demand."""
    if component in ROUTE_SPLIT_PERCENT:
        yearly = STATUSHOUDERS_PER_YEAR * ROUTE_SPLIT_PERCENT[component] / 100
    elif component == "MAP":
        yearly = STATUSHOUDERS_PER_YEAR * MAP_PERCENT / 100
    else:  # brugklas and PVT: every statushouder
        yearly = STATUSHOUDERS_PER_YEAR
    per_year = {"YEAR": 1, "HALF_YEAR": 2, "QUARTER": 4}[period]
    return max(1, round(yearly * share / 100 / per_year))


# (e-mail, first name, last name, role, extra)
DEMO_PASSWORD = "demo-Routewijzer-2026"  # noqa: S105 - printed demo login, refused outside DEBUG
# The demo staff's authenticator-app secret (base32), printed by seed_demo; development only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPROUTEWIJZERDEMOA"  # noqa: S105
DEMO_USERS = [
    ("beheer@routewijzer.example", "Beheerder", "Demo", "SUPERUSER", {}),
    ("redacteur@routewijzer.example", "Robin", "Redacteur", "SITE_EDITOR", {}),
    ("contractmanager@routewijzer.example", "Chris", "Contract", "CONTRACT_MANAGER", {}),
    (
        "klantmanager@routewijzer.example",
        "Kim",
        "Klant",
        "CASE_MANAGER",
        {"municipality": "GM0392"},
    ),
    (
        "aanbieder@routewijzer.example",
        "Sam",
        "School",
        "PROVIDER_STAFF",
        {"provider": "taalhuis-spaarnestad"},
    ),
    (
        "redactie@routewijzer.example",
        "Noor",
        "Nieuwsgierig",
        "PROVIDER_STAFF",
        {"provider": "talenschool-de-duinrand", "membership": "EDITOR"},
    ),
    ("leerling@routewijzer.example", "Lina", "Leerling", "LEARNER", {}),
]

# This provider has no Stripe account in the demo: its administrator (aanbieder@) can try the
# onboarding, and learners see that its courses cannot be paid online yet.
DEMO_PROVIDER_WITHOUT_PAYMENTS = "taalhuis-spaarnestad"
