"""Production settings: `check --deploy` clean, TLS switched on by the environment, CSP, static files and the
media storage every node reaches."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "TLS_", "DEBUG", "MEDIA_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings_value(expression: str, **env: str) -> str:
    code = f"from django.conf import settings; print(repr(({expression})))"
    return _manage("shell", "--no-imports", "-c", code, **env).stdout.strip()


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "orders.example.com"}


def test_check_deploy_is_clean_with_debug_off_and_tls_at_the_proxy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, TLS_AT_PROXY="1")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_tls():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_tls_settings_are_off_by_default_and_each_can_be_set_alone():
    expression = "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE"
    assert _settings_value(expression) == "(False, 0, False)"
    assert _settings_value(expression, TLS_AT_PROXY="1") == "(True, 31536000, True)"
    assert _settings_value(expression, TLS_AT_PROXY="1", SECURE_SSL_REDIRECT="0") == "(False, 31536000, True)"
    assert (
        _settings_value("settings.SECURE_PROXY_SSL_HEADER", TLS_AT_PROXY="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_a_bad_value_stops_the_start_with_its_name():
    result = _manage("check", TLS_AT_PROXY="maybe")

    assert result.returncode != 0
    assert "TLS_AT_PROXY='maybe' is not a boolean" in result.stderr


def test_media_on_an_s3_compatible_store_is_selected_by_the_environment():
    env = {
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_BUCKET": "orderhub-media",
        "MEDIA_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
    }
    assert _settings_value('settings.STORAGES["default"]["BACKEND"]', **env) == "'storages.backends.s3.S3Storage'"
    assert _settings_value('settings.STORAGES["default"]["OPTIONS"]["bucket_name"]', **env) == "'orderhub-media'"
    assert "MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET" in _manage("check", MEDIA_STORAGE="s3").stderr
    assert _settings_value('settings.STORAGES["default"]["BACKEND"]') == "'django.core.files.storage.FileSystemStorage'"


@pytest.mark.django_db
def test_pages_carry_a_csp_whose_nonce_every_inline_script_has(client, admin_user):
    client.force_login(admin_user)
    for url in ["/", "/review/rules/", "/finance/exports/", "/fulfilment/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        html = response.content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        nonce = re.search(r"'nonce-([^']+)'", policy)
        assert scripts or url != "/finance/exports/"  # a page with an inline script is among them
        for attributes in scripts:
            assert nonce and f'nonce="{nonce.group(1)}"' in attributes, (url, attributes)
        assert not re.search(r"\son(click|change|submit|load)=", html), url


def test_static_files_are_served_by_the_web_process_from_the_collected_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.contrib.staticfiles.storage import staticfiles_storage

    hashed = staticfiles_storage.url("admin/css/base.css")
    assert re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css$", hashed)

    response = Client().get(hashed, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response["Cache-Control"]  # hashed names never change: cached for years


def test_every_inline_script_in_the_templates_carries_the_csp_nonce():
    missing = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if 'nonce="{{ request.csp_nonce }}"' not in tag:
                missing.append(f"{template.relative_to(BASE_DIR)}: {tag}")
        missing += [f"{template.relative_to(BASE_DIR)}: inline handler" for _ in re.findall(r"\son[a-z]+=\"", text)]
    assert missing == []


def test_pages_may_reach_the_local_print_components_and_nothing_else_new(client, settings):
    settings.FULFILMENT_PRINT_COMPONENTS = {"cainiao": "ws://127.0.0.1:41234", "pdd": "ws://127.0.0.1:5000"}

    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    connect = next(part for part in policy.split("; ") if part.startswith("connect-src"))
    assert connect == "connect-src 'self' ws://127.0.0.1:41234 ws://127.0.0.1:5000"


def test_webhooks_reach_private_addresses_only_with_debug_unless_set():
    """No SSRF by default: deliveries to private, loopback and link-local addresses are allowed by default only in
    development (DEBUG), for the demo and the tests."""
    expression = "settings.WEBHOOK_ALLOW_PRIVATE_URLS"
    assert _settings_value(expression, **PRODUCTION) == "False"
    assert _settings_value(expression, DEBUG="1") == "True"
    assert _settings_value(expression, **PRODUCTION, WEBHOOK_ALLOW_PRIVATE_URLS="1") == "True"
