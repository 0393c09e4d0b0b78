"""The home page by role: the exams open now and what waits for the user (home.todo)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from examsys import clock
from examsys.db import get_session
from examsys.exams.room import my_attempts
from examsys.home.todo import todos

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    db = get_session()
    open_exams = [a for a in my_attempts(db, current_user) if not a.is_over() and a.plan.is_running()]
    return render_template("home/index.html", roles=sorted(current_user.roles(), key=lambda r: r.value),
                           grants=sorted(current_user.grants, key=lambda g: (g.role.value, g.org.path)), open_exams=open_exams,
                           todos=todos(db, current_user), now=clock.now())
