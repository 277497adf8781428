"""WSGI entry point for gunicorn: `gunicorn 'wsgi:app'`."""

import gc

from evosync import create_app

app = create_app()
# The app's own objects (routes, templates, models, compiled queries) live as long as the process: frozen,
# the cyclic garbage collector's full passes no longer walk them (a full pass over them had been a
# 100 ms pause every twenty-odd requests; docs/catalog.md).
gc.collect()
gc.freeze()
