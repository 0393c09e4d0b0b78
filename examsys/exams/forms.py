"""Forms of the exam pages."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, FieldList, FormField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from examsys.bank.models import BankPart, QuestionType
from examsys.exams.models import ExamKind, PaperMode, ReviewPolicy


class SectionForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(_l("Type"), choices=[("", "—"), *QuestionType.choices()])
    law = SelectField(_l("Law (any if empty)"), validate_choice=False)  # choices: the bank's laws, set by the view
    difficulty = IntegerField(_l("Difficulty (any if empty)"), validators=[Optional(), NumberRange(1, 5)])
    count = IntegerField(_l("Questions"), validators=[Optional(), NumberRange(0, 500)])
    points_each = DecimalField(_l("Points each"), validators=[Optional(), NumberRange(0, 100)], places=2)


class PlanForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    # Choices as callables: labels are read per request, in the reader's language (not once, in English, at import).
    kind = SelectField(_l("Exam kind"), choices=lambda: [(k.value, k.label) for k in ExamKind])
    org_id = SelectField(_l("Candidates from"), coerce=int)
    makeup_of_id = SelectField(_l("Make-up for (make-up exams only)"), coerce=int, validators=[Optional()])
    part = SelectField(_l("Bank part"), choices=lambda: [(p.value, p.label) for p in BankPart])
    domain_id = SelectField(_l("Enforcement domain (sector part)"), coerce=int, validators=[Optional()])
    opens_at = DateTimeLocalField(_l("Window opens"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Window closes"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[DataRequired(), NumberRange(5, 600)], default=120)
    pass_mark = DecimalField(_l("Pass mark"), validators=[DataRequired()], default=lambda: current_app.config["EXAM_PASS_MARK"], places=2)
    attempts_allowed = IntegerField(_l("Attempts allowed"), validators=[DataRequired(), NumberRange(1, 10)],
                                    default=lambda: current_app.config["EXAM_ATTEMPTS_ALLOWED"])
    double_marking = BooleanField(_l("Case questions: two graders, a third when they differ"))
    marking_tolerance = DecimalField(_l("Difference two graders may have (points)"), validators=[Optional(), NumberRange(0, 100)], default=2, places=2)
    partial_credit = BooleanField(_l("Multiple choice: partial credit for a correct subset"))
    shuffle_questions = BooleanField(_l("Shuffle questions"), default=True)
    shuffle_options = BooleanField(_l("Shuffle options"), default=True)
    prefer_less_exposed = BooleanField(_l("Prefer less-exposed questions"), default=False,
                                       description=_l("Each section is drawn from the questions drawn onto the fewest papers so far."))
    offers_mongolian = BooleanField(
        _l("Offer the paper in Mongolian"), default=False,
        description=_l("Candidates choose Chinese or Mongolian at the start; only questions whose Mongolian text is reviewed are drawn."))
    paper_mode = SelectField(_l("Papers"), choices=[(PaperMode.INDIVIDUAL.value, _l("A random paper per candidate")),
                                                    (PaperMode.SHARED.value, _l("One random paper for all"))])
    review = SelectField(_l("After the exam, candidates see"), choices=[(ReviewPolicy.SCORE.value, _l("Score and pass/fail")),
                                                                       (ReviewPolicy.ANSWERS.value, _l("Also their answers and the keys")),
                                                                       (ReviewPolicy.NONE.value, _l("Nothing"))])
    max_departures = IntegerField(_l("Submit after leaving the page this many times (empty: never)"), validators=[Optional(), NumberRange(1, 100)])
    include_auxiliary = BooleanField(_l("Practice only: auxiliary staff may take it too"))
    sections = FieldList(FormField(SectionForm), min_entries=6, max_entries=6)
