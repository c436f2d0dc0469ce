import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.heap import heap_freeze  # noqa: E402 - after Django is set up

heap_freeze()  # what the process loaded is set aside from the garbage collector (config/heap.py)
