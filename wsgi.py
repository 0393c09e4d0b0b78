"""The WSGI entry point: `gunicorn wsgi:app`.

Each worker imports this after the fork. Everything the app built at import (modules, the app, the catalogs, the
SQLAlchemy mappers) lives as long as the worker, so it is moved out of the garbage collector's generations
(`gc.freeze`): a full collection then walks only what requests made, instead of several hundred thousand objects
that never die (docs/performance.md, "A sitting as an outside client sees it"). EXAMSYS_GC_FREEZE=0 turns it off."""
import gc
import os

from examsys import create_app

app = create_app()

if os.environ.get("EXAMSYS_GC_FREEZE", "1") != "0":
    gc.collect()
    gc.freeze()
