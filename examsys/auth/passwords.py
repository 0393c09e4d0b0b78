"""Password hashing (Argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

COMMON_PASSWORDS = frozenset(
    {"password", "password1", "12345678", "123456789", "1234567890", "qwertyuiop", "1qaz2wsx", "11111111",
     "88888888", "abc12345", "abcd1234", "admin123", "admin1234", "p@ssw0rd", "passw0rd", "iloveyou",
     "aaaaaaaa", "qwerty123", "woaini1314", "a123456789"}
)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    cached = current_app.extensions.get("examsys.hasher")
    if cached is None or cached[0] != key:
        cached = (key, PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2]))
        current_app.extensions["examsys.hasher"] = cached
    return cached[1]


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


_DUMMY: dict[str, str] = {}


def burn_time(password: str) -> None:
    """Spend the time a real verification would, so unknown usernames answer as slowly as known ones."""
    key = current_app.config["ARGON2_MEMORY_COST"]
    if str(key) not in _DUMMY:
        _DUMMY[str(key)] = hash_password("examsys-dummy-password")
    verify_password(_DUMMY[str(key)], password)


def policy_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password; an empty list means it is acceptable."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Use at least %(n)d characters.", n=minimum))
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    if classes < 3:
        problems.append(_("Mix at least three of: lower-case letters, upper-case letters, digits, symbols."))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(_("This password is too common."))
    if username and username.lower() in password.lower():
        problems.append(_("The password must not contain the username."))
    return problems
