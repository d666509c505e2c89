import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, Wagtail, our apps: a few hundred thousand objects) lives as
# long as the process. Frozen, the garbage collector no longer walks it on every full
# collection, which cost a page some milliseconds (tests/benchmarks/README.md).
gc.freeze()
