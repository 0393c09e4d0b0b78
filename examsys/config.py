"""Settings: safe defaults for development, overridden by EXAMSYS_* environment variables."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

DEV_SECRET_KEY = "examsys-development-key-not-for-production"


class DefaultConfig:
    """Every value here is a default that `EXAMSYS_<NAME>` replaces (values parse as JSON when they can)."""

    ENV_NAME = "development"  # EXAMSYS_ENV_NAME=production turns on the refusals in check_config()
    SECRET_KEY = DEV_SECRET_KEY
    DATABASE_URL: str | None = None  # None: SQLite in the instance folder (development only)
    # Connections each server process keeps open to PostgreSQL, and how many more it may open at a peak.
    # Every process has its own pool: workers x (size + overflow) must stay under the server's max_connections.
    DATABASE_POOL_SIZE = 10
    DATABASE_MAX_OVERFLOW = 20
    # The address QR codes and verify links carry (<PUBLIC_BASE_URL>/V/<token>). Required in production.
    # Unset in development: the address each request reached the app on (credentials.public.verification.public_base_url).
    PUBLIC_BASE_URL: str | None = None
    KEY_DIR: str | None = None  # credential signing keys and the audit checkpoint key; None: instance/keys
    # Signed checkpoints of the audit chain (examsys/audit/checkpoints.py): new files only, to ship elsewhere.
    AUDIT_CHECKPOINT_DIR: str | None = None  # None: instance/audit-checkpoints
    # Besides `flask audit checkpoint` (cron), a checkpoint is made when one of these actions commits.
    AUDIT_CHECKPOINT_ACTIONS = ("account.grant", "account.withdraw", "exam.publish", "credential.cancel")
    VERIFY_RATE_LIMIT = "120 per minute"  # public verify page, per client address
    REGISTER_RATE_LIMIT = "60 per minute"  # public register (公示), per client address
    REISSUE_CHUNK_SECONDS = 5.0  # a re-issuance run stops after this long and commits: one request, or one CLI step
    # Opening an exam plan: up to this many candidates in the request itself (a few seconds), more on the job queue with
    # a progress page; the job draws papers in chunks of EXAM_OPEN_CHUNK, each committed with its progress.
    EXAM_OPEN_INLINE_MAX = 2000
    EXAM_OPEN_CHUNK = 500
    REISSUE_PRINT_PART_SIZE = 500  # officers per downloaded print file (a few seconds of rendering each)
    # Webhooks (api.webhooks): seconds allowed to connect and for each read; the first retry's delay (doubling,
    # at most an hour, for a day); whether addresses on loopback and private networks may be called (None: yes
    # in development and testing, no in production).
    WEBHOOK_TIMEOUT_SECONDS = 5.0
    WEBHOOK_RETRY_SECONDS = 30.0
    WEBHOOK_ALLOW_PRIVATE: bool | None = None
    # On SQLite jobs run in the app's process: after a commit that queued one, in a thread (None: yes unless testing).
    JOBS_RUN_AFTER_COMMIT: bool | None = None
    # A worker silent this long (it beats every 10 s) counts as dead and its running jobs go back in the queue: the
    # every-minute check and a starting worker both use it (`flask jobs worker --stalled-after` overrides it there).
    JOBS_STALLED_AFTER = 60.0
    # Files made by jobs (a campaign's print batch rendered ahead), one folder per job; None: instance/job-files.
    # With several nodes, a folder all of them mount (the worker writes, the app nodes serve the downloads).
    JOB_FILES_DIR: str | None = None

    # ---- The rules of DESIGN §4: every number in one place. docs/rules.md names, for each rule, the setting,
    # the function that enforces it and its test. ----
    # Credentials: a request is approved by another person of the issuing authority (four eyes);
    # false makes issuing one step.
    CREDENTIAL_FOUR_EYES = True
    CREDENTIAL_EXAM_MONTHS = 12  # rule 1: a passed qualification (or renewal) exam counts this long for issuing
    CREDENTIAL_LEGAL_QUALIFICATION_EXEMPTS = True  # rule 1: a 法律职业资格 certificate stands in for the qualification exam
    CREDENTIAL_VALIDITY_YEARS = 5  # rule 5: a credential is valid this long from its first day
    CREDENTIAL_RENEWAL_MONTHS = 6  # rule 5: renewal may be requested this many months before expiry
    # Rule 7: after a revocation, no new credential for this many years (a default: set what the region's rules say).
    CREDENTIAL_BAR_YEARS_AFTER_REVOCATION = 3
    EXAM_PASS_MARK = 60  # the pass mark a new exam plan starts with (of 100 points by default)
    EXAM_ATTEMPTS_ALLOWED = 1  # rule 9: the attempts a new exam plan starts with
    EXAM_MAKEUPS_PER_SITTING = 1  # rule 9: make-up exams each candidate may sit per failed qualification sitting
    # Rule 13: renewal needs this many hours of enforcement training (培训学时) on record in each full year the
    # credential was in force: the 60 hours a year of the national outline for building a rule-of-law government
    # (2021–2025) (“每人每年接受不少于60学时的业务知识和法律法规培训”). 0: no check.
    TRAINING_HOURS_PER_YEAR = 60
    REVIEW_TRAINING_DAYS = 90  # rule 10: a routine 较差 opens a training action due this many days later
    REVIEW_CASE_DAYS = 30  # rule 10: two consecutive annual 不称职 open a disqualification case due this many days later

    VERIFY_CACHE_SECONDS = 60  # longest reuse of a verify answer (a status change ends it at once); 0: no cache
    VERIFY_CACHE_SIZE = 10_000  # answers kept per process
    VERIFY_COUNT_FLUSH_SECONDS = 10  # look-ups counted in memory are written this often per process; 0: every look-up
    REPORT_RATE_LIMIT = "5 per hour"  # reports about an officer from the public, per client address
    STATUS_LIST_HOURS = 24  # a status list's next update is due this long after it was issued
    STATUS_LIST_CACHE_SECONDS = 60  # the published list is rebuilt at least this often (and on every status change)

    # Sessions: idle expiry slides with each request; an absolute cap forces a fresh login.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=60)
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_NAME = "examsys_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # forced on in production
    REMEMBER_COOKIE_HTTPONLY = True

    # Answer saves that need nothing unusual are served before Flask's request handling, with the same
    # checks made by the same code (examsys/exams/lean_save.py); false serves every save through Flask.
    LEAN_SAVE = True
    # The exam room counts a departure only when the page stays hidden, or the window without focus,
    # this long: moving to another question hides the page for a moment and never counts.
    EXAM_DEPARTURE_SECONDS = 2

    # CSRF tokens are HMACs bound to the session; they live as long as the session does.
    WTF_CSRF_TIME_LIMIT = None

    # Passwords: Argon2id. Defaults follow the OWASP minimum (19 MiB, 2 passes); tune with bench/.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 10

    # Login throttling (examsys/auth/throttle.py), in the database, shared by all app nodes. Per account
    # AND client (a known device, else the address): after LOGIN_MAX_FAILURES failures the client waits
    # LOGIN_DELAY_SECONDS, doubling with each further failure up to LOGIN_MAX_DELAY_MINUTES. Per account:
    # LOGIN_ACCOUNT_MAX_FAILURES failures from clients that are not its known devices lock it for
    # LOGIN_LOCK_MINUTES to those clients (0: never); a browser that logged in before still gets in.
    # Counts are forgotten LOGIN_FAILURE_MEMORY_HOURS after the last failure. Besides, the failures of
    # each address (all accounts) are limited in the rate-limit store; that limit counts failures only,
    # so an exam hall of 500 people behind one NAT address can log in at once.
    LOGIN_MAX_FAILURES = 5
    LOGIN_DELAY_SECONDS = 30
    LOGIN_MAX_DELAY_MINUTES = 60
    LOGIN_ACCOUNT_MAX_FAILURES = 20
    LOGIN_LOCK_MINUTES = 15
    LOGIN_FAILURE_MEMORY_HOURS = 24
    LOGIN_ADDRESS_FAILURE_LIMIT = "100 per 5 minutes"
    # Two-factor sign-in (TOTP) for administrator, HR and auditor accounts: the roles (values of
    # auth.models.Role) whose accounts must use it, e.g. ["sysadmin", "hr_admin", "auditor"]; [] leaves
    # it to each account's holder. The issuer is the name authenticator apps show beside the code.
    TOTP_REQUIRED_ROLES: tuple[str, ...] = ()
    TOTP_ISSUER = "examsys"
    RATELIMIT_STORAGE_URI = "memory://"  # production: redis://host:6379/0
    RATELIMIT_HEADERS_ENABLED = False
    # Reverse proxies in front of the app that set X-Forwarded-For / -Proto / -Host: the client address
    # (rate limits, the audit trail) and https are then read from the last that many hops. 0 trusts none
    # of those headers (the app faces its clients directly; anyone could forge them).
    PROXY_HOPS = 0

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    # The region's time zone: days in law (issue, validity, decisions, due dates) and every time shown are
    # in it. BABEL_DEFAULT_TIMEZONE follows it (create_app copies it over).
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    # Interface languages: Chinese, English, and Mongolian in the traditional script (mn_Mong_CN: the
    # script and the country are in the name, so dates and numbers never take Mongolia's Cyrillic forms).
    # A string the Mongolian catalog lacks is shown in Chinese (extensions.FallbackDomain).
    LANGUAGES = ("zh_Hans_CN", "en", "mn_Mong_CN")

    # Item statistics: when an item is flagged, and the share of papers in the upper and lower groups.
    ITEM_FACILITY_LOW = 0.2
    ITEM_FACILITY_HIGH = 0.95
    ITEM_DISCRIMINATION_LOW = 0.2
    ITEM_GROUP_PERCENT = 27
    # The bank page flags a question version drawn onto more papers than this (0: never).
    BANK_EXPOSURE_LIMIT = 500

    PAGE_SIZE = 20
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    IMPORT_MAX_ROWS = 100_000

    # Annual assessment: the share of 优秀 per organisation (of the officers in post it assesses).
    REVIEW_EXCELLENT_CAP = 0.20


def check_config(config: dict) -> None:
    """Refuse to start a production app with development settings, or any app in an unknown time zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(config.get("TIMEZONE") or ""))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RuntimeError(f"EXAMSYS_TIMEZONE={config.get('TIMEZONE')!r} is not a time zone (e.g. Asia/Shanghai)") from error
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]  # pages show times in the same zone days are counted in
    if config.get("WEBHOOK_ALLOW_PRIVATE") is None:
        config["WEBHOOK_ALLOW_PRIVATE"] = config.get("ENV_NAME") != "production"
    if config.get("JOBS_RUN_AFTER_COMMIT") is None:
        config["JOBS_RUN_AFTER_COMMIT"] = not config.get("TESTING")
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY or len(str(config["SECRET_KEY"])) < 32:
        problems.append("EXAMSYS_SECRET_KEY must be set to a random value of at least 32 characters")
    if not config.get("DATABASE_URL"):
        problems.append("EXAMSYS_DATABASE_URL must name the production database")
    base = urlsplit(str(config.get("PUBLIC_BASE_URL") or ""))
    if base.scheme not in ("http", "https") or not base.netloc:
        problems.append("EXAMSYS_PUBLIC_BASE_URL must be the address the public reaches, e.g. https://zfz.example.gov.cn "
                        "(every credential's QR code carries it)")
    if problems:
        raise RuntimeError("examsys refuses to start in production: " + "; ".join(problems))
    config["SESSION_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_SECURE"] = True
