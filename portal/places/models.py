"""Regions and municipalities: the places the catalogue, the contracts and the accounts refer to.

A low layer of their own, so the catalogue (``providers``) reads them without importing
``contracts``. They were contracts' models: the tables keep their names (``db_table``).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

cbs_code_validator = RegexValidator(
    r"^GM\d{4}$", _("A CBS municipality code is GM followed by four digits, e.g. GM0392.")
)


class Region(models.Model):
    """A labour-market region whose municipalities buy civic integration jointly."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    central_municipality = models.ForeignKey(
        "Municipality",
        verbose_name=_("central municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The municipality that contracts on behalf of the region."),
    )

    class Meta:
        db_table = "contracts_region"
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    cbs_code = models.CharField(
        _("CBS code"), max_length=6, unique=True, validators=[cbs_code_validator]
    )
    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
    )

    class Meta:
        db_table = "contracts_municipality"
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cbs_code__regex=r"^GM[0-9]{4}$"),
                name="municipality_cbs_code_format",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostcodeArea(models.Model):
    """A Dutch 4-digit postcode area (PC4) with its centre: the catalogue's offline answer to
    "where is 2011?" and "where is Haarlem?" (``portal.places.geo``).

    Loaded from ``portal/places/data/pc4-nl.csv`` (MIT, see ``pc4-nl.LICENSE``) by a data
    migration; nobody edits these rows by hand.
    """

    pc4 = models.CharField(_("postcode area"), max_length=4, unique=True)
    place = models.CharField(_("place"), max_length=80)
    alternative_names = models.CharField(_("alternative spellings"), max_length=200, blank=True)
    municipality_name = models.CharField(_("municipality"), max_length=120)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    is_po_box = models.BooleanField(
        _("post-office boxes only"),
        default=False,
        help_text=_("Post-office-box numbers, not an area where people live."),
    )
    # Folded forms (``geo.place_key``: lower case, accents and punctuation gone) to look up.
    place_key = models.CharField(max_length=80, db_index=True)
    alternative_keys = models.CharField(max_length=200, blank=True)  # "|s gravenhage|"
    municipality_key = models.CharField(max_length=120, db_index=True)

    class Meta:
        verbose_name = _("postcode area")
        verbose_name_plural = _("postcode areas")
        ordering = ["pc4"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pc4__regex=r"^[0-9]{4}$"), name="postcodearea_pc4_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pc4} {self.place}"
