from django.db import models
from django.utils.translation import gettext_lazy as _


class Component(models.TextChoices):
    B1_ROUTE = "B1_ROUTE", _("B1 route")
    Z_ROUTE = "Z_ROUTE", _("Z route (self-reliance)")
    ONDERWIJSROUTE = "ONDERWIJSROUTE", _("Education route")
    MAP = "MAP", _("Labour market and participation module (MAP)")
    PVT = "PVT", _("Participation statement (PVT)")
    BRUGKLAS = "BRUGKLAS", _("Bridging class (brugklas)")
    KNM = "KNM", _("Knowledge of Dutch society (KNM)")
    ALFABETISERING = "ALFABETISERING", _("Literacy")


class EducationLevel(models.TextChoices):
    """The level an onderwijsroute prepares for."""

    MBO2 = "MBO2", _("MBO level 2")
    MBO3 = "MBO3", _("MBO level 3")
    MBO4 = "MBO4", _("MBO level 4")
    HBO = "HBO", _("HBO (university of applied sciences)")
    WO = "WO", _("WO (university)")


class TargetGroup(models.TextChoices):
    STATUSHOUDER = "STATUSHOUDER", _("Refugee with a residence permit (statushouder)")
    GEZINSMIGRANT = "GEZINSMIGRANT", _("Family migrant (gezinsmigrant)")


class CefrLevel(models.TextChoices):
    """Language levels; the codes sort in level order, which the database constraints rely on."""

    A0 = "A0", _("Beginner (below A1)")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"


class Schedule(models.TextChoices):
    DAYTIME = "DAYTIME", _("Daytime")
    EVENING = "EVENING", _("Evening")
    WEEKEND = "WEEKEND", _("Weekend")
    ONLINE = "ONLINE", _("Online")
    HYBRID = "HYBRID", _("Hybrid (on site and online)")


class ProviderKind(models.TextChoices):
    LANGUAGE = "LANGUAGE", _("Language school")
    PARTICIPATION = "PARTICIPATION", _("Participation organisation")
    EDUCATION = "EDUCATION", _("Educational institution")
    SUPPORT = "SUPPORT", _("Support organisation")


class KeurmerkStatus(models.TextChoices):
    """Blik op Werk Keurmerk Inburgeren."""

    NONE = "NONE", _("No quality mark")
    ASPIRANT = "ASPIRANT", _("Aspirant quality mark holder")
    CERTIFIED = "CERTIFIED", _("Quality mark holder")
