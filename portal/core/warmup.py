"""What a new web worker would otherwise do on its first requests, done once before it starts.

gunicorn loads the application in its master and forks the workers from it (``preload_app``),
and replaces each worker after some thousand requests (``max_requests``). Django compiles a
template and reads a language's catalogue the first time a process needs it, so each new worker
paid for that on its first pages: half a second for the first page in a language
(tests/benchmarks/README.md). Done in the master, every fork starts with them.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

# The project's own apps: their templates are the pages; Django's, Wagtail's and allauth's
# templates beyond those our pages include are compiled when first asked for.
PROJECT_PACKAGES = ("portal", "providers", "contracts", "cms")
TEMPLATE_SUFFIXES = (".html", ".txt")


def template_names() -> list[str]:
    """The names of the project's own templates (its template folder and its apps')."""
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    for config in apps.get_app_configs():
        if config.name.split(".")[0] in PROJECT_PACKAGES:
            folders.append(Path(config.path) / "templates")
    names = set()
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                    names.add(path.relative_to(folder).as_posix())
    return sorted(names)


def warm_up() -> dict[str, int]:
    """Compile the project's templates, read every language's catalogue and import the URL
    configuration; then freeze what is loaded (``gc.freeze``, as ``portal.wsgi`` does) so that
    the garbage collector of each worker leaves it alone. Returns what was done, for the log."""
    get_resolver().url_patterns  # noqa: B018 (imports the URL configuration)
    for code, _name in settings.LANGUAGES:
        translation.trans_real.translation(code)
    engine = engines["django"]
    compiled = 0
    for name in template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
            logger.warning("warm-up: template %s not compiled: %s", name, exc)
        else:
            compiled += 1
    gc.freeze()
    return {"templates": compiled, "languages": len(settings.LANGUAGES)}
