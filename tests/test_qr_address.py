"""Which address QR codes and verify links carry (issue 14, item 9): the configured public base URL when
set, and production requires it; in development without it, the address the app was reached on."""

import pytest

from examsys import create_app
from examsys.credentials.public.verification import token_for, url_for_token


@pytest.fixture
def holder(signed_credential):
    return signed_credential


def _code_url(client, base: str) -> str:
    """The holder's e-card code, asked for through `base` (logged in there: a cookie belongs to its host)."""
    from tests.factories import PASSWORD

    client.post("/login", data={"identifier": "candidate", "password": PASSWORD}, base_url=base)
    return client.get("/me/credential/code", base_url=base).get_json()["url"]


def test_in_development_the_code_follows_the_address_the_app_is_served_on(client, holder):
    for base in ("http://192.168.1.20:8000", "http://examsys.test:5001"):
        url = _code_url(client, base)
        assert url.startswith(base.upper() + "/V/"), url
        verdict = client.get(url[url.index("/V/"):], base_url=base).get_data(as_text=True)
        assert 'data-verdict="VALID"' in verdict


def test_the_configured_base_url_wins_whatever_the_request(app, client, holder):
    app.config["PUBLIC_BASE_URL"] = "https://zfz.example.gov.cn"
    url = _code_url(client, "http://192.168.1.20:8000")
    assert url.startswith("HTTPS://ZFZ.EXAMPLE.GOV.CN/V/")


def test_outside_a_request_the_development_address_is_make_runs(app, holder):
    assert url_for_token(token_for(holder)).startswith("HTTP://127.0.0.1:5000/V/")
    app.config["PUBLIC_BASE_URL"] = "https://zfz.example.gov.cn/"
    assert url_for_token(token_for(holder)).startswith("HTTPS://ZFZ.EXAMPLE.GOV.CN/V/")


@pytest.mark.parametrize("base", [None, "", "zfz.example.gov.cn", "ftp://zfz.example.gov.cn"])
def test_production_refuses_to_start_without_a_public_base_url(base):
    settings = {"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/examsys"}
    if base is not None:
        settings["PUBLIC_BASE_URL"] = base
    with pytest.raises(RuntimeError, match="EXAMSYS_PUBLIC_BASE_URL"):
        create_app(settings)
