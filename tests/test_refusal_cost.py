"""A refusal over the rate limit is the cheapest answer the app gives: a constant body, no template, no
database, no cookie (bench/refusal_cost.py measures its CPU against the verify page's)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import template_rendered
from sqlalchemy import event

from examsys.db import engine_for
from examsys.web import TOO_MANY_BODY, TOO_MANY_PROBLEM
from tests.test_verify_cache import issued  # noqa: F401  (the fixture)


@contextmanager
def _work(app):
    """The templates rendered and the SQL statements run inside the block."""
    templates, statements = [], []

    def rendered(sender, template, context, **extra):
        templates.append(template.name)

    def executed(conn, cursor, statement, *args):
        statements.append(statement)

    engine = engine_for(app)
    template_rendered.connect(rendered, app)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield templates, statements
    finally:
        template_rendered.disconnect(rendered, app)
        event.remove(engine, "before_cursor_execute", executed)


def test_a_refused_scan_renders_nothing_and_reads_nothing(app, db, client, issued):  # noqa: F811
    _credential, token, _ = issued
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    app.config["REGISTER_RATE_LIMIT"] = "1 per minute"
    here = {"REMOTE_ADDR": "198.51.100.7"}
    for path in (f"/V/{token}", f"/api/verify/{token}"):
        assert [client.get(path, environ_base=here).status_code for _ in range(2)] == [200, 200]
    client.get("/public-register", environ_base=here)
    for path in (f"/V/{token}", f"/api/verify/{token}", "/public-register?q=x"):
        with _work(app) as (templates, statements):
            refused = client.get(path, environ_base=here, headers={"Accept-Language": "zh-CN"})
        assert refused.status_code == 429, path
        assert refused.data == (TOO_MANY_PROBLEM if path.startswith("/api/") else TOO_MANY_BODY) and "请稍后再试" in refused.get_data(as_text=True)
        assert refused.headers["Retry-After"] == "60" and refused.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in refused.headers and refused.headers["X-Content-Type-Options"] == "nosniff"
        assert templates == [] and statements == [], (path, templates, statements)
