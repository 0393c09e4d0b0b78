"""Who is calling: a bearer token checked against the clients' secrets, the client's rate limit (counted
by flask-limiter's storage, keyed by client id: memory, or Redis shared by every node), and each call
counted per client, operation and day (rule 11)."""
from __future__ import annotations

import time
from functools import wraps
from typing import Any

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from examsys import clock
from examsys.api import clients
from examsys.api.models import ApiClient, ApiUsage
from examsys.api.problems import problem
from examsys.auth.permissions import SYSTEM
from examsys.db import get_session, keep_writes
from examsys.extensions import limiter
from examsys.web import _limits


def _unauthorised(detail: str):
    return problem(401, _("Not signed in"), detail, headers={"WWW-Authenticate": 'Bearer realm="examsys-api"'})


def authenticated(view: Any) -> Any:
    """Let the view run only for an active client with a live secret, within its rate limit; `g.api_client` is the client."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.cookieless = True
        header = request.headers.get("Authorization", "")
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorised(_("Send the client's token as: Authorization: Bearer <key id>.<secret>."))
        keep_writes()  # every call reads, and is on the record (the secret's last use, the usage count, the audit entry)
        client = clients.authenticate(get_session(), token.strip())
        if client is None:
            return _unauthorised(_("This token is not valid (unknown, revoked, or its client is disabled)."))
        if limiter.enabled:
            for item in _limits(client.rate_limit):
                if not limiter.limiter.hit(item, "examsys-api-client", str(client.id)):
                    retry = max(1, int(limiter.limiter.get_window_stats(item, "examsys-api-client", str(client.id)).reset_time - time.time()))
                    return problem(429, _("Too many requests"), _("This client's rate limit (%(limit)s) is used up; try again later.",
                                                                     limit=client.rate_limit), headers={"Retry-After": str(retry)})
        g.api_client = client
        return view(*args, **kwargs)
    return wrapper


def count_usage(session: Session, client: ApiClient, operation: str, records: int) -> None:
    """One call of `operation` returning `records` records, added to today's count (one upsert)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ApiUsage).values(client_id=client.id, day=clock.today(), operation=operation, calls=1, records=records)
    session.execute(statement.on_conflict_do_update(index_elements=["client_id", "day", "operation"],
                                                    set_={"calls": ApiUsage.calls + 1, "records": ApiUsage.records + records}))


def account(session: Session, client: ApiClient, operation: str, records: int, *, audit: bool = False) -> None:
    """Count the call; a call that hands out many records at once (a batch, a feed page, results) is also
    an entry on the audit trail: who (the client), what (the operation) and how many records."""
    count_usage(session, client, operation, records)
    if audit:
        from examsys.audit.services import record

        record(session, SYSTEM, f"api.{operation}", "api_client", client.id, label=client.name, org=client.org,
               after={"records": records}, actor_name=f"api:{client.name}"[:80])
