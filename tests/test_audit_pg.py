"""On PostgreSQL, concurrent writers queue on the audit head: the chain never forks."""
import threading

import pytest

from examsys.audit.services import verify_chain
from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.orgs.models import OrgKind
from examsys.orgs.services import create_org

pytestmark = pytest.mark.pg


def test_concurrent_changes_keep_one_unbroken_chain(app, db, tree):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            with app.app_context():
                session = get_session()
                barrier.wait()
                create_org(session, SYSTEM, parent_id=tree.county.id, kind=OrgKind.DEPARTMENT, code=f"150102-C{n}", name=f"并发部门{n}")
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.rollback()
    report = verify_chain(db)
    assert report.ok, report.problem
    assert report.checked == 7 + 8
