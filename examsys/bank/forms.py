"""Forms of the bank pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from examsys import mongolian
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.xlsx import OPTION_LETTERS

MN_INPUT = {"lang": "mn-Mong", "class": "mn-input", "spellcheck": "false"}


class QuestionForm(FlaskForm):
    ref = StringField(_l("Ref"), validators=[Optional(), Length(max=40)], description=_l("Left empty, one is made up."))
    org_id = SelectField(_l("Bank of"), coerce=int)
    part = SelectField(_l("Part"), choices=lambda: [(p.value, p.label) for p in BankPart])  # labels per request, translated
    domain_id = SelectField(_l("Enforcement domain"), coerce=int, validators=[Optional()],
                            description=_l("Sector questions only."))
    type = SelectField(_l("Type"), choices=QuestionType.choices())
    # Choices (the bank's laws) are set by the view; the service says so at the field when a law is not one of them.
    law = SelectField(_l("Law"), validators=[DataRequired()], validate_choice=False,
                      description=_l("One of the list of laws. An administrator adds a new law on the laws page."))
    law_version = StringField(_l("Version of the law"), validators=[Optional(), Length(max=20)], description=_l("e.g. 2021"))
    article = StringField(_l("Article"), validators=[Optional(), Length(max=120)], description=_l("e.g. 第三十六条第一款"))
    stem = TextAreaField(_l("Question"), validators=[DataRequired()], render_kw={"rows": 4},
                         description=_l("Fill-in questions mark the blank with ____."))
    option_A = StringField(_l("Option A"))
    option_B = StringField(_l("Option B"))
    option_C = StringField(_l("Option C"))
    option_D = StringField(_l("Option D"))
    option_E = StringField(_l("Option E"))
    option_F = StringField(_l("Option F"))
    option_G = StringField(_l("Option G"))
    option_H = StringField(_l("Option H"))
    answer = StringField(_l("Key"), validators=[Optional(), Length(max=500)],
                         description=_l("Single: B · Multiple: ACD · True/false: 对 or 错 · Fill-in: accepted answers separated by |"))
    rubric = TextAreaField(_l("Rubric"), render_kw={"rows": 4},
                           description=_l("Case analysis: one line per criterion, e.g. 3：指出管辖错误"))
    reference_answer = TextAreaField(_l("Reference answer"), render_kw={"rows": 4})
    difficulty = IntegerField(_l("Difficulty (1–5)"), validators=[DataRequired(), NumberRange(1, 5)], default=3)
    points = StringField(_l("Points"), default="2")
    explanation = TextAreaField(_l("Explanation"), render_kw={"rows": 3})
    tags = StringField(_l("Tags"), description=_l("Separated by commas."))
    # The Mongolian text (optional, examsys.bank.mongolian_text): written in vertical lines, as it reads; the options
    # follow the Chinese ones by letter, and the key stays the Chinese one.
    mn_stem = TextAreaField(_l("Question in Mongolian"), render_kw=MN_INPUT)
    mn_option_A = StringField("A", render_kw=MN_INPUT)
    mn_option_B = StringField("B", render_kw=MN_INPUT)
    mn_option_C = StringField("C", render_kw=MN_INPUT)
    mn_option_D = StringField("D", render_kw=MN_INPUT)
    mn_option_E = StringField("E", render_kw=MN_INPUT)
    mn_option_F = StringField("F", render_kw=MN_INPUT)
    mn_option_G = StringField("G", render_kw=MN_INPUT)
    mn_option_H = StringField("H", render_kw=MN_INPUT)
    mn_answer = StringField(_l("Accepted answers in Mongolian"), render_kw=MN_INPUT,
                            description=_l("Fill-in only: separated by |, accepted as well as the Chinese ones."))
    mn_rubric = TextAreaField(_l("Rubric in Mongolian"), render_kw=MN_INPUT,
                              description=_l("Case analysis only, optional: one line per criterion of the Chinese rubric, in its order, without points."))
    mn_reference_answer = TextAreaField(_l("Reference answer in Mongolian"), render_kw=MN_INPUT, description=_l("Case analysis only, optional."))
    mn_explanation = TextAreaField(_l("Explanation in Mongolian"), render_kw=MN_INPUT, description=_l("Optional."))
    change_note = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])
    # Sent only by the button pressed (Save or Preview). Not a HiddenField: hidden_tag() would render it as
    # intent=save ahead of the button's value, and the first value wins, so Preview would save.
    intent = StringField(default="save")

    def option_fields(self):
        return [getattr(self, f"option_{letter}") for letter in OPTION_LETTERS]

    def mn_option_rows(self):
        """(letter, Mongolian field, shown): a Mongolian option is shown where the Chinese one is written, or where it
        holds text itself (the script app.js shows the others as the Chinese options are typed)."""
        return [(letter, getattr(self, f"mn_option_{letter}"),
                 bool((getattr(self, f"option_{letter}").data or "").strip() or (getattr(self, f"mn_option_{letter}").data or "").strip()))
                for letter in OPTION_LETTERS]


class BankImportForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])


class LawForm(FlaskForm):
    """A law or a new version of one (title and version only when adding: questions cite them)."""

    title = StringField(_l("Title"), validators=[Length(max=80)], description=_l("As questions cite it, e.g. 中华人民共和国行政处罚法"))
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)], description=_l("e.g. 行政处罚法"))
    title_mn = StringField(_l("Title in Mongolian script"), validators=[mongolian.check],
                           description=_l("Optional: the title in traditional Mongolian script, as the region writes it beside the Chinese."))
    version = StringField(_l("Version"), validators=[Optional(), Length(max=20)], description=_l("As questions name it, e.g. 2021"))
    version_date = DateField(_l("Version date"), validators=[Optional()], description=_l("When this text was adopted or amended."))
    effective_date = DateField(_l("Effective date"), validators=[Optional()])
    # Choices (the list's versions) are set by the view.
    supersedes_id = SelectField(_l("Replaces"), coerce=int, validators=[Optional()],
                                description=_l("The older version this one supersedes: its questions are flagged for review."))
    superseded_by_id = SelectField(_l("Superseded by"), coerce=int, validators=[Optional()],
                                   description=_l("A newer version: the questions resting on this one are flagged for review."))
