"""Demo data for `make run`: an organisation tree of the region, one account of each role, and people.

Idempotent: what exists (by code, username or ID number) is left alone."""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.auth.models import Role, User
from examsys.auth.permissions import SYSTEM
from examsys.auth.services import create_account, grant_role
from examsys.domains.models import EnforcementDomain
from examsys.orgs.models import Organisation, OrgKind
from examsys.orgs.services import create_org
from examsys.personnel import idnumber
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind, StaffingKind
from examsys.supervision.snapshots import take as take_snapshot

DEMO_PASSWORD = "Demo-Pass-2026"

# code, name, kind, parent code, division code
TREE = (
    ("150000", "内蒙古自治区", OrgKind.REGION, None, "150000"),
    ("150000-SFT", "自治区司法厅", OrgKind.DEPARTMENT, "150000", ""),
    ("150000-SJJ", "自治区市场监督管理局", OrgKind.DEPARTMENT, "150000", ""),
    ("150000-STT", "自治区生态环境厅", OrgKind.DEPARTMENT, "150000", ""),
    ("150100", "呼和浩特市", OrgKind.LEAGUE, "150000", "150100"),
    ("150100-SJJ", "呼和浩特市市场监督管理局", OrgKind.DEPARTMENT, "150100", ""),
    ("150102", "新城区", OrgKind.COUNTY, "150100", "150102"),
    ("150102-SJJ", "新城区市场监督管理局", OrgKind.DEPARTMENT, "150102", ""),
    ("150102-STJ", "新城区生态环境分局", OrgKind.DEPARTMENT, "150102", ""),
    ("150105", "赛罕区", OrgKind.COUNTY, "150100", "150105"),
    ("150105-SJJ", "赛罕区市场监督管理局", OrgKind.DEPARTMENT, "150105", ""),
    ("150200", "包头市", OrgKind.LEAGUE, "150000", "150200"),
    ("150200-STJ", "包头市生态环境局", OrgKind.DEPARTMENT, "150200", ""),
    ("150203", "昆都仑区", OrgKind.COUNTY, "150200", "150203"),
    ("150203-SJJ", "昆都仑区市场监督管理局", OrgKind.DEPARTMENT, "150203", ""),
    ("150204", "青山区", OrgKind.COUNTY, "150200", "150204"),
    ("150204-STJ", "青山区生态环境分局", OrgKind.DEPARTMENT, "150204", ""),
)

# Traditional Mongolian forms of the top organisations' names, as the region writes them beside the Chinese
# (U+202F joins a suffix to its word, U+180E separates a final vowel). Written for the demo; to be read by a
# native reader before real use (docs/credential-format.md, "Two scripts"). The other nodes have none: the
# card then shows their names in Chinese only.
_MARKET_BUREAU_MN = "ᠵᠠᠬ ᠵᠡᠭᠡᠯᠢ\u202fᠶᠢᠨ ᠬᠢᠨᠠᠨ ᠬᠢᠨᠠᠬᠤ ᠬᠠᠮᠢᠶᠠᠷᠤᠯᠲᠠ\u202fᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ\u180eᠠ"
ORG_NAMES_MN = {
    "150000": "ᠥᠪᠥᠷ ᠮᠣᠩᠭᠣᠯ\u202fᠤᠨ ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ",
    "150000-SJJ": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ\u202fᠤ " + _MARKET_BUREAU_MN,
    "150100": "ᠬᠥᠬᠡᠬᠣᠲᠠ ᠬᠣᠲᠠ",
    "150100-SJJ": "ᠬᠥᠬᠡᠬᠣᠲᠠ ᠬᠣᠲᠠ\u202fᠶᠢᠨ " + _MARKET_BUREAU_MN,
    "150102": "ᠰᠢᠨ\u180eᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ",
    "150102-SJJ": "ᠰᠢᠨ\u180eᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ\u202fᠤᠨ " + _MARKET_BUREAU_MN,
    "150105": "ᠰᠠᠶᠢᠬᠠᠨ ᠲᠣᠭᠣᠷᠢᠭ",
    "150200": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ",
    "150203": "ᠬᠥᠨᠳᠡᠯᠡᠨ ᠲᠣᠭᠣᠷᠢᠭ",
}
DOMAIN_NAMES_MN = {"market": "ᠵᠠᠬ ᠵᠡᠭᠡᠯᠢ\u202fᠶᠢᠨ ᠬᠢᠨᠠᠨ ᠬᠢᠨᠠᠯᠲᠠ"}
# The first officers of 新城区市场监督管理局 (the accounts officer, officer2 and officer3; officer4 and the rest have
# none): Mongolian given names, in Chinese transcription and in the script, by the sex their ID numbers give.
OFFICER_NAMES = {"M": (("巴特尔", "ᠪᠠᠭᠠᠲᠤᠷ"), ("朝鲁", "ᠴᠢᠯᠠᠭᠤ"), ("苏和", "ᠰᠦᠬᠡ")),
                 "F": (("乌云其木格", "ᠤᠶᠤᠨᠴᠢᠮᠡᠭ"), ("萨仁", "ᠰᠠᠷᠠᠨ"), ("其其格", "ᠴᠡᠴᠡᠭ"))}

# username, display name, the account's organisation, role, the node the role is granted on
ACCOUNTS = (
    ("admin", "系统管理员", "150000", Role.SYSADMIN, "150000"),
    ("examadmin", "考务管理员", "150000-SFT", Role.EXAM_ADMIN, "150000"),
    ("examadmin2", "考务审核员", "150000-SFT", Role.EXAM_ADMIN, "150000"),
    ("hr", "自治区人事证件管理员", "150000", Role.HR_ADMIN, "150000"),
    ("hr_xincheng", "新城区人事证件管理员", "150102", Role.HR_ADMIN, "150102"),
    ("admin_xincheng", "新城区系统管理员", "150102", Role.SYSADMIN, "150102"),
    ("reviewer", "新城区市场监管局负责人", "150102-SJJ", Role.REVIEWER, "150102-SJJ"),
    ("auditor", "执法监督员", "150000", Role.AUDITOR, "150000"),
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰飞鹏辉斌宇浩凯健俊帆帅旭宁琳晨阳雪梅婷颖峰波"

DOMAINS = (("market", "市场监管"), ("environment", "生态环境"))

# department code → (officers, auxiliaries)
PEOPLE_PER_DEPARTMENT = {
    "150000-SJJ": (3, 1), "150000-STT": (3, 1), "150100-SJJ": (3, 1), "150102-SJJ": (5, 2), "150102-STJ": (3, 1),
    "150105-SJJ": (3, 1), "150200-STJ": (3, 1), "150203-SJJ": (3, 1), "150204-STJ": (3, 1),
}


def demo_id_number(area: str, index: int) -> str:
    rng = random.Random(f"{area}-{index}")
    year, month, day = rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)
    sequence = f"{rng.randint(0, 99):02d}{rng.randint(0, 9)}"
    first17 = f"{area}{year:04d}{month:02d}{day:02d}{sequence}"
    return first17 + idnumber.check_character(first17)


def seed_demo(session: Session) -> str:
    created = {"organisations": 0, "accounts": 0, "people": 0}
    by_code = {o.code: o for o in session.scalars(select(Organisation))}
    for code, name, kind, parent_code, division in TREE:
        if code in by_code:
            continue
        parent = by_code[parent_code] if parent_code else None
        by_code[code] = create_org(session, SYSTEM, parent_id=parent.id if parent else None, kind=kind, code=code,
                                   name=name, division_code=division, name_mn=ORG_NAMES_MN.get(code, ""))
        created["organisations"] += 1
    for code, name_mn in ORG_NAMES_MN.items():  # a database seeded before the Mongolian forms gets them too
        if code in by_code and not by_code[code].name_mn:
            by_code[code].name_mn = name_mn

    domains = {}
    for code, name in DOMAINS:
        domain = session.scalar(select(EnforcementDomain).where(EnforcementDomain.code == code))
        if domain is None:
            domain = EnforcementDomain(code=code, name=name)
            session.add(domain)
        if not domain.name_mn:
            domain.name_mn = DOMAIN_NAMES_MN.get(code, "")
        domains[code] = domain

    people: list[Person] = []
    rng = random.Random(2026)
    for dept_code, (officers, auxiliaries) in PEOPLE_PER_DEPARTMENT.items():
        dept = by_code[dept_code]
        for index in range(officers + auxiliaries):
            number = demo_id_number(dept.division_code, index + (0 if dept_code.endswith("SJJ") else 50))
            person = session.scalar(select(Person).where(Person.id_number == number))
            if person is None:
                auxiliary = index >= officers
                person = Person(
                    id_number=number, name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                    sex=idnumber.sex_of(number), org=dept,
                    kind=PersonnelKind.AUXILIARY if auxiliary else PersonnelKind.OFFICER,
                    staffing_kind=StaffingKind.CONTRACT if auxiliary
                    else rng.choice([StaffingKind.CIVIL_SERVANT, StaffingKind.CIVIL_SERVANT_LIKE]),
                    employment_status=EmploymentStatus.EMPLOYED,
                    post="执法辅助岗" if auxiliary else rng.choice(["执法科员", "稽查员", "副科长", "执法队员"]),
                    rank="" if auxiliary else rng.choice(["一级科员", "四级主任科员", "二级主任科员"]),
                    training_hours=0 if auxiliary else rng.choice([24, 32, 40, 60]),
                    duties="协助执法人员开展巡查、宣传和信息登记，不得独立执法" if auxiliary else "",
                    hiring_conditions="高中以上学历，身体健康，无违法犯罪记录" if auxiliary else "",
                    directed_by=f"{dept.name}执法科" if auxiliary else "",
                )
                if not auxiliary:
                    person.domains = [domains["market" if "SJJ" in dept_code else "environment"]]
                if dept_code == "150102-SJJ" and index < 3:  # officer, officer2, officer3
                    person.name, person.name_mn = OFFICER_NAMES[person.sex][index]
                session.add(person)
                created["people"] += 1
            people.append(person)
    session.flush()

    for username, display_name, org_code, role, grant_code in ACCOUNTS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            user, _ = create_account(session, SYSTEM, username=username, display_name=display_name,
                                     org_id=by_code[org_code].id, password=DEMO_PASSWORD, must_change=False)
            grant_role(session, SYSTEM, user.id, role, by_code[grant_code].id)
            created["accounts"] += 1

    # Officers of 新城区市场监督管理局 get their own accounts: officer, officer2, officer3 (they will hold
    # credentials), and officer4, who passes the first sitting too but holds none yet (the fourth officer is
    # the one with a credential request in the queue, and has no account).
    xincheng_officers = [p for p in people if p.org.code == "150102-SJJ" and p.kind is PersonnelKind.OFFICER]
    for n, person in [(1, xincheng_officers[0]), (2, xincheng_officers[1]), (3, xincheng_officers[2]), (4, xincheng_officers[4])]:
        username = "officer" if n == 1 else f"officer{n}"
        if session.scalar(select(User.id).where(User.username == username)) is None:
            create_account(session, SYSTEM, username=username, display_name=person.name, org_id=person.org_id,
                           password=DEMO_PASSWORD, person_id=person.id, must_change=False)
            created["accounts"] += 1

    bank_line = _starter_banks(session, by_code["150000"])
    exam_line = _demo_exam(session, by_code["150000"])
    mongolian_line = _demo_mongolian_exam(session, by_code["150000"])
    credential_lines = _demo_credentials(session, by_code)
    review_line = _demo_reviews(session, by_code)
    credential_lines += _demo_request(session, xincheng_officers[3:4])
    credential_lines.append(f"supervision: this month's dashboard figures recorded for {take_snapshot(session)} organisations")

    officer = session.scalar(select(User).where(User.username == "officer"))
    lines = [f"demo data: {created['organisations']} organisations, {created['accounts']} accounts, {created['people']} people created",
             bank_line, exam_line, mongolian_line, *credential_lines, review_line, f"demo password for every demo account: {DEMO_PASSWORD}"]
    if officer is not None and officer.person is not None:
        lines.append(f"the officer account 'officer' also logs in with ID number {officer.person.id_number}")
    return "\n".join(lines)


STARTER_BANKS = Path(__file__).resolve().parent.parent / "question_bank"
DEMO_EXAM = "2026年度行政执法人员资格考试（通用法律知识·演示）"


def _starter_banks(session: Session, region: Organisation) -> str:
    """The starter banks, active at once: they were reviewed in the repository, article by article."""
    from examsys.bank.laws import seed_starter_laws
    from examsys.bank.models import Question
    from examsys.bank.schema import read_paths
    from examsys.bank.services import apply_import, plan_import

    seed_starter_laws(session)  # the list of laws starts with the starter banks' laws
    if session.scalar(select(Question.id).limit(1)) is not None or not STARTER_BANKS.is_dir():
        return "starter banks: already loaded"
    result = read_paths([STARTER_BANKS])
    if result.problems:
        raise RuntimeError("the starter banks do not pass their schema: " + "; ".join(str(p) for p in result.problems[:5]))
    counts = apply_import(session, SYSTEM, plan_import(session, SYSTEM, result.records, region), region, activate=True, source="question_bank")
    return f"starter banks: {counts['created']} questions loaded"


def _demo_exam(session: Session, region: Organisation) -> str:
    """A qualification exam open for a month from now, with papers for every demo officer."""
    from examsys.bank.models import BankPart
    from examsys.exams.models import ExamKind, ExamPlan
    from examsys.exams.plans import create_plan, open_plan

    if session.scalar(select(ExamPlan.id).where(ExamPlan.name == DEMO_EXAM)) is not None:
        return "demo exam: already open"
    now = clock.now().replace(second=0, microsecond=0)
    plan = create_plan(session, SYSTEM, name=DEMO_EXAM, kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON,
                       domain_id=None, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30))
    papers = open_plan(session, SYSTEM, plan.id)
    return f"demo exam: open until {clock.local_text(plan.closes_at)} ({clock.zone().key}), {papers} papers generated"


DEMO_MN_EXAM = "行政处罚法蒙汉双语测验（演示）"


def _demo_mongolian_exam(session: Session, region: Organisation) -> str:
    """The demo's Mongolian paper. The starter bank's Mongolian texts are marked reviewed here, by the demo exam
    administrator, and only in the demo data: in the repository they await a native reader's review. Then a short
    test of 行政处罚法 offering the Mongolian paper, open for a month, with papers for every demo officer."""
    from examsys.bank.models import BankPart, QuestionType, QuestionVersion, VersionStatus
    from examsys.bank.services import review_mongolian
    from examsys.exams.models import ExamKind, ExamPlan
    from examsys.exams.plans import SectionSpec, create_plan, open_plan

    if session.scalar(select(ExamPlan.id).where(ExamPlan.name == DEMO_MN_EXAM)) is not None:
        return "demo Mongolian paper: already open"
    reviewer = session.scalar(select(User).where(User.username == "examadmin"))
    waiting = session.scalars(select(QuestionVersion.id).where(QuestionVersion.status == VersionStatus.ACTIVE,
                                                                QuestionVersion.content_mn.is_not(None),
                                                                QuestionVersion.mn_reviewed_at.is_(None))).all()
    for version_id in waiting:
        review_mongolian(session, reviewer, version_id)
    now = clock.now().replace(second=0, microsecond=0)
    law = "中华人民共和国行政处罚法"
    plan = create_plan(session, SYSTEM, name=DEMO_MN_EXAM, kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON,
                       domain_id=None, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30), duration_minutes=30,
                       pass_mark=Decimal(60), attempts_allowed=1, offers_mongolian=True,
                       sections=[SectionSpec(QuestionType.SINGLE_CHOICE, 8, Decimal(5), law), SectionSpec(QuestionType.MULTIPLE_CHOICE, 3, Decimal(10), law),
                                 SectionSpec(QuestionType.TRUE_FALSE, 5, Decimal(6), law)])
    papers = open_plan(session, SYSTEM, plan.id)
    return f"demo Mongolian paper: {len(waiting)} Mongolian texts marked reviewed (demo only), {papers} papers of {DEMO_MN_EXAM}"


FIRST_SITTING = "2026年度行政执法人员资格考试（第一场·演示）"


def _demo_credentials(session: Session, by_code: dict[str, Organisation]) -> list[str]:
    """A first sitting that four officers of 新城区市场监督管理局 passed, and credentials for three of them:
    one in force, one suspended, one revoked (officer4 has none yet). Prints a fresh verify URL for each."""
    from examsys.bank.models import BankPart, QuestionVersion
    from examsys.credentials import services as credentials
    from examsys.credentials.cases import CaseRecord
    from examsys.credentials.models import Credential
    from examsys.credentials.public.verification import key_store, token_for, url_for_token
    from examsys.exams import plans as exam_plans
    from examsys.exams import room, saving
    from examsys.exams.models import Attempt, ExamKind, ExamPlan
    from examsys.orgs.issuers import designate_issuer

    store = key_store()
    if not store.initialised:
        store.init(clock.now())
    for code in ("150100", "150200"):
        if not by_code[code].is_issuer:
            designate_issuer(session, SYSTEM, by_code[code].id)
    users = [session.scalar(select(User).where(User.username == name)) for name in ("officer", "officer2", "officer3", "officer4")]
    hr = session.scalar(select(User).where(User.username == "hr"))
    if None in users or hr is None:
        return []
    if session.scalar(select(ExamPlan.id).where(ExamPlan.name == FIRST_SITTING)) is None:
        now = clock.now().replace(second=0, microsecond=0)
        plan = exam_plans.create_plan(session, SYSTEM, name=FIRST_SITTING, kind=ExamKind.QUALIFICATION, org_id=by_code["150102-SJJ"].id,
                                 part=BankPart.COMMON, domain_id=None, opens_at=now - timedelta(hours=3), closes_at=now + timedelta(hours=3))
        exam_plans.open_plan(session, SYSTEM, plan.id)
        for user in users:  # they answer every objective question with its key
            attempt = session.scalar(select(Attempt).where(Attempt.plan_id == plan.id, Attempt.person_id == user.person_id))
            token = room.start(session, user, attempt.id)
            for position, item in enumerate(attempt.items):
                version = session.get(QuestionVersion, item["v"])
                saving.save_answer(session, user, attempt.id, token, position, version.answer, position + 1)
            room.submit(session, user, attempt.id, token)
        plan.close()
        plan.results_published_at = clock.now()
        session.flush()
    lines = []
    states = ("active", "suspended", "revoked")
    for user, state in zip(users[:3], states, strict=True):
        credential = session.scalar(select(Credential).where(Credential.person_id == user.person_id).order_by(Credential.id.desc()))
        if credential is None:
            credential = credentials.issue(session, SYSTEM, credentials.IssueRequest(
                user.person_id, by_code["150100"].id, [d.id for d in user.person.domains], "呼和浩特市新城区",
                "《中华人民共和国行政处罚法》第十七条；《中华人民共和国产品质量法》第十八条"))
            if state == "suspended":
                credentials.change(session, hr, credential.id, "suspend", ground="行政执法证件管理办法（演示）第二十条",
                                   decision_number="呼执暂〔2026〕1号", reason="涉嫌违法执法，调查期间暂扣（演示数据）")
            elif state == "revoked":
                credentials.change(session, hr, credential.id, "revoke", ground="行政执法证件管理办法（演示）第二十一条",
                                   decision_number="呼执撤〔2026〕2号", reason="违法执法，情节严重（演示数据）",
                                   case=CaseRecord("呼执监案〔2026〕2号", clock.today(), "呼执撤〔2026〕2号决定书（演示数据）"))
        lines.append(f"credential {credential.number} of {user.username} ({credential.status.value}): {url_for_token(token_for(credential))}")
    return lines


def _demo_reviews(session: Session, by_code: dict[str, Organisation]) -> str:
    """The default indicator scheme on the region, and the third quarter of 2026 opened for 新城区: the
    reviewer of its market department has submitted three reviews (officer's awaits acknowledgement,
    officer2 acknowledged, one Poor with its training action) and left the rest overdue."""
    from examsys.reviews import schemes, services
    from examsys.reviews.models import PeriodKind, Review, ReviewPeriod, ReviewStatus

    region, county = by_code["150000"], by_code["150102"]
    if schemes.own_scheme(session, region.id) is None:
        schemes.save_scheme(session, SYSTEM, region.id, "自治区行政执法人员平时考核指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    hr = session.scalar(select(User).where(User.username == "hr_xincheng"))
    reviewer = session.scalar(select(User).where(User.username == "reviewer"))
    officers = [session.scalar(select(User).where(User.username == n)) for n in ("officer", "officer2")]
    if hr is None or reviewer is None or None in officers:
        return ""
    period = session.scalar(select(ReviewPeriod).where(ReviewPeriod.org_id == county.id, ReviewPeriod.year == 2026,
                                                       ReviewPeriod.kind == PeriodKind.QUARTER, ReviewPeriod.number == 3))
    if period is None:
        period = services.open_period(session, hr, county.id, PeriodKind.QUARTER, 2026, 3)
        reviews = {r.person_id: r for r in session.scalars(select(Review).where(Review.period_id == period.id))}
        others = [pid for pid, r in reviews.items() if r.person.org.code == "150102-SJJ" and pid not in {u.person_id for u in officers}]
        plan = [(officers[0].person_id, 86, None), (officers[1].person_id, 93, officers[1]), (others[0], 55, None)]
        for person_id, total, acknowledging in plan:
            review = reviews[person_id]
            left, entries = total, []
            for indicator in review.scheme.leaves:
                score = min(left, int(indicator.points))
                left -= score
                entries.append(services.ScoreEntry(indicator.id, str(score), "演示数据"))
            services.enter(session, reviewer, review.id, entries, "本季度执法工作情况（演示数据）", submit=True)
            if acknowledging is not None:
                services.respond(session, acknowledging, review.id, True, "")
    waiting = session.scalar(select(func.count()).select_from(Review).where(Review.period_id == period.id,
                                                                              Review.status == ReviewStatus.SUBMITTED)) or 0
    return (f"reviews: {services.period_label(period)} open for {county.name}; {waiting} waiting for the officer "
            "(log in as officer to acknowledge), the rest for reviewer")


def _demo_request(session: Session, people: list[Person]) -> list[str]:
    """One credential request waiting in the queue of 呼和浩特市: made by hr_xincheng for an officer who
    holds the legal professional qualification (an exam exemption), for hr to approve or return."""
    from examsys.credentials.models import CredentialRequest
    from examsys.credentials.requests import services as requests

    requester = session.scalar(select(User).where(User.username == "hr_xincheng"))
    issuer = session.scalar(select(Organisation).where(Organisation.code == "150100"))
    if not people or requester is None or issuer is None:
        return []
    person = people[0]
    if session.scalar(select(CredentialRequest.id).where(CredentialRequest.person_id == person.id)) is None:
        from datetime import date

        from examsys.credentials.exemptions.services import ExemptionEvidence, approve_exemption, record_exemption

        person.legal_qualification = person.legal_qualification or "A20211502000123"
        # the evidence, recorded by hr_xincheng and approved by hr of the city (four eyes)
        approver = session.scalar(select(User).where(User.username == "hr"))
        exemption = record_exemption(session, requester, person.id, ExemptionEvidence(person.legal_qualification, date(2021, 11, 20)))
        if approver is not None:
            approve_exemption(session, approver, exemption.id)
        requests.request_issue(session, requester, person.id, requests.RequestDraft(
            issuer_id=issuer.id, domain_ids=[d.id for d in person.domains], region="呼和浩特市新城区",
            legal_source="《中华人民共和国行政处罚法》第十七条；《中华人民共和国产品质量法》第十八条",
            reason="已取得法律职业资格，申请免考发证（演示数据）"))
    return [f"pending credential request for {person.name}: log in as hr and open Credential requests to approve it"]
