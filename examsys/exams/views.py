"""The exams' pages: one blueprint, `exams`, its pages in modules by use case — plan_views (plans, results,
question statistics), proctor_views (the live sitting), grading_views (case marking, regrading), room_views
(the candidate's exam room) — and practice_views (the `practice` blueprint)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/exams")

# The modules add their pages to `bp` when imported: after it exists.
from examsys.exams import grading_views, plan_views, proctor_views, room_views  # noqa: E402,F401
from examsys.exams.practice_views import practice_bp  # noqa: E402,F401
