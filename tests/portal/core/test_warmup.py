"""``portal.core.warmup``: what a new worker needs, made in the master before it forks."""

from pathlib import Path

import pytest
from django.template import engines
from django.utils.translation import trans_real

from portal.core.warmup import template_names, warm_up


def test_the_project_s_templates_are_found_and_nothing_else():
    """The project's own templates (its overrides of Wagtail's and allauth's among them), not
    the installed packages' templates."""
    names = template_names()
    assert {"base.html", "cms/offering_detail.html", "enrolments/my_courses.html"} <= set(names)
    root = Path(__file__).resolve().parents[3]
    for name in names:
        origin = Path(engines["django"].get_template(name).origin.name).resolve()
        assert origin.is_relative_to(root) and ".venv" not in origin.parts, (name, origin)


@pytest.mark.parametrize("language", ["nl", "en", "ar", "ti", "tr", "fa"])
def test_after_the_warm_up_every_language_and_template_is_ready(language):
    trans_real._translations.pop(language, None)
    warm_up()
    assert language in trans_real._translations
    loader = engines["django"].engine.template_loaders[0]
    assert "base.html" in {key.split("-")[0] for key in loader.get_template_cache}
