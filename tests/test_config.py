"""Production refuses development settings."""
import pytest

from examsys import create_app
from examsys.config import DEV_SECRET_KEY


def test_production_refuses_the_development_secret_key():
    with pytest.raises(RuntimeError, match="EXAMSYS_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": DEV_SECRET_KEY, "DATABASE_URL": "postgresql://db/examsys"})


def test_production_refuses_to_start_without_a_database_url():
    with pytest.raises(RuntimeError, match="EXAMSYS_DATABASE_URL"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "k" * 40})


def test_production_with_proper_settings_starts_with_secure_cookies():
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/examsys",
                      "PUBLIC_BASE_URL": "https://zfz.example.gov.cn"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_settings_come_from_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("EXAMSYS_PUBLIC_BASE_URL", "https://verify.example.gov.cn")
    monkeypatch.setenv("EXAMSYS_PAGE_SIZE", "50")
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "https://verify.example.gov.cn"
    assert app.config["PAGE_SIZE"] == 50
