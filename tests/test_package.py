from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cookiesession


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions, as ruff sorts ``__all__``."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_documented():
    assert cookiesession.__all__ == sorted(cookiesession.__all__, key=_isort_key)
    api = (Path(__file__).parent.parent / "docs" / "api.rst").read_text()
    for name in cookiesession.__all__:
        assert f":: {name}" in api, f"{name} is not in docs/api.rst"


def test_import_loads_no_framework():
    code = (
        "import sys, cookiesession; "
        "frameworks = ('pyramid', 'bottle', 'flask', 'zope'); "
        "loaded = [m for m in frameworks if m in sys.modules]; "
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_config_module_stands_alone():
    code = (
        "import sys, cookiesession.config; "
        "print(sorted(m for m in sys.modules if m.startswith('cookiesession')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # Importing a submodule runs the package's __init__ first; what matters
    # is that config itself imports nothing of the package.
    for module in Path(cookiesession.config.__file__).parent.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert "from .." not in source, module.name
        assert "import cookiesession" not in source, module.name
    assert "cookiesession.config" in result.stdout


def test_main_module_runs():
    result = subprocess.run(
        [sys.executable, "-m", "cookiesession", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "demo" in result.stdout


@pytest.mark.parametrize(
    ("module", "missing", "extra"),
    [
        pytest.param("cookiesession.pyramid", "pyramid", "pyramid", id="pyramid"),
        pytest.param("cookiesession.bottle", "bottle", "bottle", id="bottle"),
        pytest.param("cookiesession.redis", "redis", "redis", id="redis"),
        pytest.param("cookiesession.crypto", "cryptography", "crypto", id="crypto"),
    ],
)
def test_an_integration_without_its_extra_names_the_extra(module, missing, extra):
    code = f"import sys\nsys.modules[{missing!r}] = None\nimport {module}\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"pip install 'cookiesession[{extra}]'" in result.stderr


# Every name documented as API in 0.2, and the module-level names other code
# imported: they keep working wherever the machinery moved.
PUBLIC_02 = [
    "cookiesession.CSRFMiddleware",
    "cookiesession.Config",
    "cookiesession.DEFAULT_CONFIG",
    "cookiesession.InvalidSetting",
    "cookiesession.JSONTag",
    "cookiesession.NullSession",
    "cookiesession.SecureCookieSessionInterface",
    "cookiesession.Session",
    "cookiesession.SessionInterface",
    "cookiesession.SessionMiddleware",
    "cookiesession.SessionStoreError",
    "cookiesession.TaggedJSONSerializer",
    "cookiesession.bottle.SessionPlugin",
    "cookiesession.check_csrf_token",
    "cookiesession.cli.main",
    "cookiesession.config.is_secret_key",
    "cookiesession.config.mask_value",
    "cookiesession.crypto.EncryptedCookieSessionInterface",
    "cookiesession.crypto.HKDF_INFO",
    "cookiesession.crypto.VERSION",
    "cookiesession.csrf.FORM_FIELD",
    "cookiesession.csrf.HEADER",
    "cookiesession.csrf.UNSAFE_METHODS",
    "cookiesession.csrf.token_of_request",
    "cookiesession.csrf_token",
    "cookiesession.demo.make_demo_app",
    "cookiesession.flash",
    "cookiesession.get_flashed_messages",
    "cookiesession.get_session",
    "cookiesession.middleware.ENVIRON_KEY",
    "cookiesession.middleware.ResponseHeaders",
    "cookiesession.pyramid.CookieSessionFactory",
    "cookiesession.pyramid.PyramidSession",
    "cookiesession.pyramid.PyramidSessionMixin",
    "cookiesession.pyramid.SETTINGS_PREFIX",
    "cookiesession.pyramid.includeme",
    "cookiesession.pyramid.settings_to_config",
    "cookiesession.redis.RedisSession",
    "cookiesession.redis.RedisSessionInterface",
    "cookiesession.sessions.AppLike",
    "cookiesession.sessions.MAX_COOKIE_VALUES",
    "cookiesession.sessions.Rejected",
    "cookiesession.sessions.SessionStoreError",
    "cookiesession.sessions.Verified",
    "cookiesession.sessions.ensure_opened",
    "cookiesession.sessions.is_cookie_value",
    "cookiesession.sessions.is_opened",
    "cookiesession.sessions.open_request_session",
    "cookiesession.sessions.request_cache",
    "cookiesession.sessions.save_request_session",
    "cookiesession.sessions.session_json_serializer",
    "cookiesession.settings.InvalidSetting",
    "cookiesession.settings.InvalidSettingType",
    "cookiesession.settings.InvalidSettingValue",
    "cookiesession.settings.ReadOnlyConfig",
    "cookiesession.validate_config",
]


@pytest.mark.parametrize("name", PUBLIC_02)
def test_02_import_paths_keep_working(name):
    import importlib

    module, _, attribute = name.rpartition(".")
    try:
        getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        importlib.import_module(name)
