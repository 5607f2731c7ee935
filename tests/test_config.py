"""Config: every row of the contract, run against flask.Config too where
cookiesession follows Flask, so a divergence is visible and deliberate."""

from __future__ import annotations

import errno
import json
import os
import sys
import types

import flask
import pytest
import tomllib

from cookiesession import Config
from cookiesession.config import is_secret_key, mask_value

both = pytest.mark.parametrize(
    "make", [pytest.param(Config, id="ours"), pytest.param(flask.Config, id="flask")]
)


@pytest.fixture
def module_on_path(tmp_path, monkeypatch):
    """A package ``cfgpkg.settings`` importable for from_object."""
    pkg = tmp_path / "cfgpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(
        "DEBUG = True\nlower = 1\n"
        "class Base:\n    BASE = 'base'\n"
        "class Prod(Base):\n    PROD = 'prod'\n    not_me = 2\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "cfgpkg.settings"
    for name in ("cfgpkg", "cfgpkg.settings"):
        sys.modules.pop(name, None)


@both
def test_from_mapping_takes_uppercase_and_kwargs_override(make, tmp_path):
    config = make(tmp_path)
    assert config.from_mapping({"A": 1, "b": 2, "Mixed": 3}, A=4, C=5, lower=6) is True
    assert dict(config) == {"A": 4, "C": 5}


@both
def test_from_mapping_none(make, tmp_path):
    config = make(tmp_path)
    assert config.from_mapping(None, X=1) is True
    assert dict(config) == {"X": 1}


@both
def test_from_object_takes_uppercase_inherited(make, tmp_path):
    class Base:
        BASE = 1
        lower = 2

    class Child(Base):
        CHILD = 3

    config = make(tmp_path)
    config.from_object(Child)
    assert dict(config) == {"BASE": 1, "CHILD": 3}
    other = make(tmp_path)
    other.from_object(Child())
    assert dict(other) == {"BASE": 1, "CHILD": 3}


@both
@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        pytest.param("", {"DEBUG": True}, id="module"),
        pytest.param(":Prod", {"BASE": "base", "PROD": "prod"}, id="colon"),
        pytest.param(".Prod", {"BASE": "base", "PROD": "prod"}, id="dotted"),
    ],
)
def test_from_object_import_strings(make, tmp_path, module_on_path, suffix, expected):
    config = make(tmp_path)
    config.from_object(module_on_path + suffix)
    assert dict(config) == expected


@both
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("no_such_module_xyz", id="module"),
        pytest.param("cfgpkg.settings:Nope", id="colon"),
        pytest.param("cfgpkg.settings.Nope", id="dotted"),
        pytest.param("cfgpkg.nope.Deeper", id="submodule"),
    ],
)
def test_from_object_bad_import_string(make, tmp_path, module_on_path, name):
    with pytest.raises(ImportError, match=name.split(":")[0].split(".")[0]):
        make(tmp_path).from_object(name)


def test_from_object_bad_import_names_the_string(tmp_path, module_on_path):
    with pytest.raises(ImportError, match="'cfgpkg.settings:Nope'"):
        Config(tmp_path).from_object("cfgpkg.settings:Nope")


def test_from_object_import_error_inside_module_is_not_hidden(tmp_path, monkeypatch):
    (tmp_path / "brokenmod.py").write_text("import does_not_exist_abc\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="does_not_exist_abc"):
        Config(tmp_path).from_object("brokenmod")
    sys.modules.pop("brokenmod", None)


@both
def test_from_pyfile_relative_to_root_path(make, tmp_path):
    (tmp_path / "settings.py").write_text(
        "SECRET_KEY = 'dev'\nhelper = 1\nX = helper\n"
    )
    config = make(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert dict(config) == {"SECRET_KEY": "dev", "X": 1}


@both
def test_from_pyfile_honours_coding_cookie(make, tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes("# -*- coding: latin-1 -*-\nNAME = 'café'\n".encode("latin-1"))
    config = make(tmp_path)
    config.from_pyfile("latin.py")
    assert config["NAME"] == "café"


@both
def test_from_pyfile_sets_file(make, tmp_path):
    (tmp_path / "f.py").write_text("WHERE = __file__\n")
    config = make(tmp_path)
    config.from_pyfile("f.py")
    assert config["WHERE"] == str(tmp_path / "f.py")


def _bad_paths(tmp_path):
    (tmp_path / "afile").write_text("X = 1\n")
    (tmp_path / "adir").mkdir()
    return {
        "missing": ("missing.py", errno.ENOENT),
        "directory": ("adir", errno.EISDIR),
        "not-a-directory": ("afile/inner.py", errno.ENOTDIR),
    }


@both
@pytest.mark.parametrize("case", ["missing", "directory", "not-a-directory"])
def test_from_pyfile_silent(make, tmp_path, case):
    name, _ = _bad_paths(tmp_path)[case]
    config = make(tmp_path)
    assert config.from_pyfile(name, silent=True) is False
    assert dict(config) == {}


@both
@pytest.mark.parametrize("case", ["missing", "directory", "not-a-directory"])
def test_from_pyfile_errors(make, tmp_path, case):
    name, code = _bad_paths(tmp_path)[case]
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        make(tmp_path).from_pyfile(name)
    assert info.value.errno == code
    assert name.split("/")[0] in str(info.value)


@both
def test_from_pyfile_other_os_errors_raise_even_when_silent(make, tmp_path):
    name = "x" * 300 + ".py"  # ENAMETOOLONG
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        make(tmp_path).from_pyfile(name, silent=True)
    assert info.value.errno == errno.ENAMETOOLONG


@both
def test_from_pyfile_syntax_error(make, tmp_path):
    (tmp_path / "bad.py").write_text("X = (\n")
    with pytest.raises(SyntaxError) as info:
        make(tmp_path).from_pyfile("bad.py")
    assert info.value.filename == str(tmp_path / "bad.py")


@both
def test_from_envvar(make, tmp_path, monkeypatch):
    (tmp_path / "env.py").write_text("FROM_ENV = 'yes'\n")
    monkeypatch.setenv("APP_SETTINGS", str(tmp_path / "env.py"))
    config = make(tmp_path)
    assert config.from_envvar("APP_SETTINGS") is True
    assert config["FROM_ENV"] == "yes"


@both
@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_from_envvar_unset(make, tmp_path, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("APP_SETTINGS", raising=False)
    else:
        monkeypatch.setenv("APP_SETTINGS", value)
    config = make(tmp_path)
    assert config.from_envvar("APP_SETTINGS", silent=True) is False
    with pytest.raises(RuntimeError, match="'APP_SETTINGS' is not set"):
        config.from_envvar("APP_SETTINGS")


@both
def test_from_envvar_missing_file(make, tmp_path, monkeypatch):
    monkeypatch.setenv("APP_SETTINGS", str(tmp_path / "nope.py"))
    config = make(tmp_path)
    assert config.from_envvar("APP_SETTINGS", silent=True) is False
    with pytest.raises(OSError, match="nope.py"):
        config.from_envvar("APP_SETTINGS")


@both
def test_from_file_json_and_toml(make, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"A": 1, "b": 2, "UNI": "é"}))
    (tmp_path / "c.toml").write_text('T = "x"\nlower = 1\n[NEST]\nk = 2\n')
    config = make(tmp_path)
    assert config.from_file("c.json", load=json.load) is True
    assert config.from_file("c.toml", load=tomllib.load, text=False) is True
    assert dict(config) == {"A": 1, "UNI": "é", "T": "x", "NEST": {"k": 2}}


@both
@pytest.mark.parametrize("case", ["missing", "directory", "not-a-directory"])
def test_from_file_silent_and_errors(make, tmp_path, case):
    name, code = _bad_paths(tmp_path)[case]
    config = make(tmp_path)
    if make is flask.Config and case == "not-a-directory":
        # Divergence: Flask's from_file is not silent about ENOTDIR, though
        # its from_pyfile is; here both methods ignore the same errors.
        with pytest.raises(NotADirectoryError):
            config.from_file(name, load=json.load, silent=True)
        return
    assert config.from_file(name, load=json.load, silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        config.from_file(name, load=json.load)
    assert info.value.errno == code


@both
def test_from_prefixed_env(make, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_STRING", "value")
    monkeypatch.setenv("FLASK_BOOL", "true")
    monkeypatch.setenv("FLASK_INT", "1")
    monkeypatch.setenv("FLASK_FLOAT", "1.2")
    monkeypatch.setenv("FLASK_LIST", "[1, 2]")
    monkeypatch.setenv("FLASK_DICT", '{"k": "v"}')
    monkeypatch.setenv("FLASK_lower", "kept")
    monkeypatch.setenv("NOT_FLASK_OTHER", "other")
    config = make(tmp_path)
    assert config.from_prefixed_env() is True
    assert config["STRING"] == "value"
    assert config["BOOL"] is True
    assert config["INT"] == 1
    assert config["FLOAT"] == 1.2
    assert config["LIST"] == [1, 2]
    assert config["DICT"] == {"k": "v"}
    assert config["lower"] == "kept"
    assert "OTHER" not in config


@both
def test_from_prefixed_env_custom_prefix_and_loads(make, tmp_path, monkeypatch):
    monkeypatch.setenv("MYAPP_A", "1")
    monkeypatch.setenv("FLASK_B", "2")
    config = make(tmp_path)
    config.from_prefixed_env("MYAPP", loads=str.upper)
    assert dict(config) == {"A": "1"}


@both
def test_from_prefixed_env_nested(make, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_EXIST__ok", "other")
    monkeypatch.setenv("FLASK_EXIST__inner__ik", "2")
    monkeypatch.setenv("FLASK_EXIST__new__more", '{"k": false}')
    monkeypatch.setenv("FLASK_NEW__K", "v")
    config = make(tmp_path)
    config["EXIST"] = {"ok": "value", "flag": True, "inner": {"ik": 1}}
    config.from_prefixed_env()
    assert config["EXIST"] == {
        "ok": "other",
        "flag": True,
        "inner": {"ik": 2},
        "new": {"more": {"k": False}},
    }
    assert config["NEW"] == {"K": "v"}


@both
def test_from_prefixed_env_sorted_order(make, tmp_path, monkeypatch):
    """FLASK_A sets the dict before FLASK_A__B adds to it, whatever order
    the environment lists them in."""
    monkeypatch.setenv("FLASK_A__B", "2")
    monkeypatch.setenv("FLASK_A", '{"X": 1}')
    config = make(tmp_path)
    config.from_prefixed_env()
    assert config["A"] == {"X": 1, "B": 2}


def test_from_prefixed_env_trailing_underscore(tmp_path, monkeypatch):
    """Divergence: Flask would look for ``MYAPP__``."""
    monkeypatch.setenv("MYAPP_KEY", "1")
    config = Config(tmp_path)
    config.from_prefixed_env("MYAPP_")
    assert config["KEY"] == 1


def test_from_prefixed_env_does_not_share_nested_defaults(tmp_path, monkeypatch):
    defaults = {"DB": {"HOST": "a"}}
    monkeypatch.setenv("FLASK_DB__HOST", '"b"')
    config = Config(tmp_path, defaults)
    config.from_prefixed_env()
    assert config["DB"] == {"HOST": "b"}
    assert defaults == {"DB": {"HOST": "a"}}


@pytest.mark.parametrize(
    ("env", "names"),
    [
        pytest.param(
            {"FLASK_DB": "5", "FLASK_DB__HOST": "x"},
            ["'FLASK_DB__HOST'", "'FLASK_DB'"],
            id="env-parent",
        ),
        pytest.param(
            {"FLASK_DB__HOST": "5", "FLASK_DB__HOST__PORT": "1"},
            ["'FLASK_DB__HOST__PORT'", "'FLASK_DB__HOST'"],
            id="env-nested-parent",
        ),
        pytest.param(
            {"FLASK_OK": "1", "FLASK_PRESET__X": "1"},
            ["'FLASK_PRESET__X'", "'PRESET'", "set directly"],
            id="config-parent",
        ),
        pytest.param(
            {"FLASK_NESTED__S__X": "1"},
            ["'FLASK_NESTED__S__X'", "'NESTED'"],
            id="config-nested-parent",
        ),
    ],
)
def test_from_prefixed_env_conflict(tmp_path, monkeypatch, env, names):
    """Divergence: Flask raises a bare TypeError half-way through; here a
    ValueError names both sides and nothing is applied."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = Config(tmp_path)
    config["PRESET"] = 7
    config["NESTED"] = {"S": "str"}
    before = {k: (v.copy() if isinstance(v, dict) else v) for k, v in config.items()}
    with pytest.raises(ValueError, match="is not a dict") as info:
        config.from_prefixed_env()
    for name in names:
        assert name in str(info.value)
    assert config == before
    assert "OK" not in config


def test_from_prefixed_env_conflict_masks_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", '"hunter2-very-secret"')
    monkeypatch.setenv("FLASK_SECRET_KEY__X", "1")
    with pytest.raises(ValueError, match="FLASK_SECRET_KEY") as info:
        Config(tmp_path).from_prefixed_env()
    assert "hunter2" not in str(info.value)


def test_from_prefixed_env_prefix_alone_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_", "1")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert dict(config) == {}


@both
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param({}, {"path": "/a", "url": "u"}, id="default"),
        pytest.param({"lowercase": False}, {"PATH": "/a", "URL": "u"}, id="keep-case"),
        pytest.param(
            {"trim_namespace": False},
            {"image_store_path": "/a", "image_store_url": "u"},
            id="untrimmed",
        ),
    ],
)
def test_get_namespace(make, tmp_path, args, expected):
    config = make(tmp_path)
    config.update(IMAGE_STORE_PATH="/a", IMAGE_STORE_URL="u", OTHER=1)
    assert config.get_namespace("IMAGE_STORE_", **args) == expected


def test_root_path_defaults_to_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Config().root_path == str(tmp_path)
    (tmp_path / "c.py").write_text("X = 1\n")
    config = Config()
    config.from_pyfile("c.py")
    assert config["X"] == 1


def test_defaults(tmp_path):
    config = Config(tmp_path, {"A": 1})
    assert config["A"] == 1
    assert config.explain("A") == "A = 1 (from defaults)"


def _k8s_secrets(tmp_path):
    """The layout Kubernetes mounts: files in a timestamped dir, reached
    through the ``..data`` symlink, and a symlink per key."""
    root = tmp_path / "secrets"
    root.mkdir()
    stamp = root / "..2026_11_24_08_00_00.000"
    stamp.mkdir()
    (stamp / "secret_key").write_text("s3cr3t\n")
    (stamp / "db_password").write_bytes(b"  pa ss\t\r\n")
    (stamp / "multi").write_text("line1\nline2\n\n")
    os.symlink(stamp.name, root / "..data")
    for name in ("secret_key", "db_password", "multi"):
        os.symlink(f"..data/{name}", root / name)
    os.symlink("..data/gone", root / "dangling")
    (root / ".hidden").write_text("no")
    (root / "subdir").mkdir()
    return root


def test_from_secrets_dir_kubernetes_layout(tmp_path):
    root = _k8s_secrets(tmp_path)
    config = Config(tmp_path)
    assert config.from_secrets_dir("secrets") is True
    assert dict(config) == {
        "SECRET_KEY": "s3cr3t",
        "DB_PASSWORD": "  pa ss\t",
        "MULTI": "line1\nline2\n",
    }
    assert config.explain("DB_PASSWORD") == (
        f"DB_PASSWORD = '***' (from file {str(root / 'db_password')!r})"
    )


def test_from_secrets_dir_missing(tmp_path):
    config = Config(tmp_path)
    assert config.from_secrets_dir("nope", silent=True) is False
    with pytest.raises(OSError, match="nope") as info:
        config.from_secrets_dir("nope")
    assert info.value.errno == errno.ENOENT


def test_from_secrets_dir_not_utf8(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "token").write_bytes(b"\xff\xfe hunter2")
    config = Config(tmp_path)
    with pytest.raises(ValueError, match="token") as info:
        config.from_secrets_dir("s")
    assert "hunter2" not in str(info.value)
    assert dict(config) == {}


def test_explain_sources(tmp_path, monkeypatch, module_on_path):
    (tmp_path / "p.py").write_text("PY = 1\n")
    (tmp_path / "e.py").write_text("ENV_FILE = 1\n")
    (tmp_path / "j.json").write_text('{"JS": 1}')
    monkeypatch.setenv("APP_SETTINGS", str(tmp_path / "e.py"))
    monkeypatch.setenv("FLASK_SECRET_KEY", '"abc"')
    monkeypatch.setenv("FLASK_NEST__A", "1")
    config = Config(tmp_path, {"DEF": 1})
    config.from_mapping(MAP=1)
    config.from_object(module_on_path)
    config.from_object(types.SimpleNamespace(NS=1))
    config.from_pyfile("p.py")
    config.from_envvar("APP_SETTINGS")
    config.from_file("j.json", json.load)
    config.from_prefixed_env()
    config["DIRECT"] = 1
    config.update(UPD=1)
    config["MAP"] = 2  # replaced later: now set directly
    explain = config.explain
    assert explain("DEF") == "DEF = 1 (from defaults)"
    assert explain("MAP") == "MAP = 2 (from set directly)"
    assert explain("DEBUG") == "DEBUG = True (from object 'cfgpkg.settings')"
    assert explain("NS") == "NS = 1 (from object types.SimpleNamespace)"
    assert explain("PY") == f"PY = 1 (from file {str(tmp_path / 'p.py')!r})"
    assert "(via $APP_SETTINGS)" in explain("ENV_FILE")
    assert explain("JS") == f"JS = 1 (from file {str(tmp_path / 'j.json')!r})"
    assert explain("SECRET_KEY") == (
        "SECRET_KEY = '***' (from environment variable FLASK_SECRET_KEY)"
    )
    assert explain("NEST") == (
        "NEST = {'A': 1} (from environment variable FLASK_NEST__A)"
    )
    assert explain("DIRECT") == "DIRECT = 1 (from set directly)"
    assert explain("UPD") == "UPD = 1 (from set directly)"
    with pytest.raises(KeyError, match="MISSING"):
        explain("MISSING")


def test_explain_from_object_class_and_module(tmp_path):
    class Settings:
        A = 1

    module = types.ModuleType("mysettings")
    module.B = 2  # type: ignore[attr-defined]
    config = Config(tmp_path)
    config.from_object(Settings)
    config.from_object(module)
    assert "test_config.test_explain_from_object_class_and_module" in config.explain(
        "A"
    )
    assert config.explain("B") == "B = 2 (from object mysettings)"


def test_repr_masks_secrets(tmp_path):
    config = Config(tmp_path)
    config.update(
        SECRET_KEY="s1",
        DB={"password": "s2", "host": "h", "deep": {"api_token": "s3"}},
        KEYS=["a", {"private_key": "s4"}],
        T=("x",),
        EMPTY_SECRET=None,
        DEBUG=True,
    )
    text = repr(config)
    for secret in ("s1", "s2", "s3", "s4"):
        assert secret not in text
    assert text.startswith("<Config {")
    assert "'DEBUG': True" in text
    assert "'host': 'h'" in text
    assert "'EMPTY_SECRET': None" in text
    assert "('x',)" in text


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("SECRET_KEY", True),
        ("db_password", True),
        ("API_TOKEN", True),
        ("PrivateKey", True),
        ("AWS_CREDENTIALS", True),
        ("DEBUG", False),
        (5, False),
    ],
)
def test_is_secret_key(key, secret):
    assert is_secret_key(key) is secret


def test_mask_value_tuples():
    assert mask_value("X", (1, 2)) == "(1, 2)"
    assert mask_value("X", {"token": "t"}) == "{'token': '***'}"


def test_source_of_and_explain_all(tmp_path, monkeypatch):
    monkeypatch.setenv("MYAPP_SESSION_COOKIE_SECURE", "true")
    config = Config(tmp_path, defaults={"DEBUG": False})
    config.from_prefixed_env("MYAPP")
    config["SECRET_KEY"] = "hunter2"
    assert config.source_of("SESSION_COOKIE_SECURE") == (
        "environment variable MYAPP_SESSION_COOKIE_SECURE"
    )
    assert config.source_of("DEBUG") == "defaults"
    assert config.source_of("SECRET_KEY") == "set directly"
    with pytest.raises(KeyError):
        config.source_of("NOPE")
    lines = config.explain().splitlines()
    assert lines == [
        "DEBUG = False (from defaults)",
        "SECRET_KEY = '***' (from set directly)",
        "SESSION_COOKIE_SECURE = True (from environment variable"
        " MYAPP_SESSION_COOKIE_SECURE)",
    ]


def test_nested_env_name_under_an_explicit_null(monkeypatch):
    monkeypatch.setenv("FLASK_A", "null")
    monkeypatch.setenv("FLASK_A__B", "1")
    config = Config()
    with pytest.raises(ValueError, match="'FLASK_A__B'.*'FLASK_A'"):
        config.from_prefixed_env()
    assert "A" not in config


def test_from_dotenv(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    (tmp_path / ".env").write_text(
        "# comment\n"
        'FLASK_SECRET_KEY="from dotenv"\n'
        "FLASK_SESSION_COOKIE_SECURE=true\n"
        "FLASK_DB__PORT=5432\n"
        "OTHER=ignored\n"
    )
    config = Config(tmp_path)
    assert config.from_dotenv() is True
    assert config["SECRET_KEY"] == "from dotenv"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["DB"] == {"PORT": 5432}
    assert "OTHER" not in config
    assert "FLASK_SECRET_KEY" not in os.environ  # the environment is untouched
    assert config.source_of("SECRET_KEY") == f"file {str(tmp_path / '.env')!r} line 2"
    assert config.source_of("DB") == f"file {str(tmp_path / '.env')!r} line 4"


def test_from_dotenv_is_atomic_and_silent(tmp_path):
    (tmp_path / ".env").write_text("FLASK_A=1\nFLASK_A__B=2\n")
    config = Config(tmp_path)
    with pytest.raises(ValueError, match="'FLASK_A__B'"):
        config.from_dotenv()
    assert config == {}
    assert Config(tmp_path).from_dotenv("missing.env", silent=True) is False
    with pytest.raises(OSError, match="Unable to load .env file"):
        Config(tmp_path).from_dotenv("missing.env")


def test_from_dotenv_without_python_dotenv_names_the_extra(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "dotenv", None)
    (tmp_path / ".env").write_text("FLASK_A=1\n")
    with pytest.raises(ImportError, match=r"cookiesession\[dotenv\]"):
        Config(tmp_path).from_dotenv()


@pytest.mark.parametrize(
    ("load", "kind", "text"),
    [
        pytest.param(
            lambda c, tmp: c.from_mapping(A_KEY=1),
            "mapping",
            "from_mapping()",
            id="mapping",
        ),
        pytest.param(
            lambda c, tmp: c.__setitem__("A_KEY", 1), "set", "set directly", id="set"
        ),
    ],
)
def test_sources_are_facts(load, kind, text, tmp_path):
    """Code reads the fields of Config.source(); source_of() is its text."""
    config = Config(tmp_path)
    load(config, tmp_path)
    assert config.source("A_KEY").kind == kind
    assert str(config.source("A_KEY")) == config.source_of("A_KEY") == text


def test_source_of_an_environment_variable_and_a_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("MYAPP_SECRET_KEY", '"k"')
    (tmp_path / "session_cookie_name").write_text("sid\r\n")
    (tmp_path / "lone_cr").write_text("value\r", newline="")
    config = Config(tmp_path)
    config.from_prefixed_env("MYAPP")
    config.from_secrets_dir(tmp_path)
    env = config.source("SECRET_KEY")
    assert (env.kind, env.name, env.prefix, env.variable) == (
        "environment",
        "MYAPP_SECRET_KEY",
        "MYAPP_",
        "MYAPP_SECRET_KEY",
    )
    secret = config.source("SESSION_COOKIE_NAME")
    assert (secret.kind, secret.name) == ("secrets", "session_cookie_name")
    assert secret.path == str(tmp_path / "session_cookie_name")
    assert config["SESSION_COOKIE_NAME"] == "sid"  # one \r\n removed
    assert config["LONE_CR"] == "value\r"  # a lone \r belongs to the secret


def test_from_source_records_the_given_source(tmp_path):
    from cookiesession.config import Source

    config = Config(tmp_path)
    config.from_source(
        {"SECRET_KEY": "k", "lower": 1}, Source("ini", "cookiesession.secret_key")
    )
    assert "lower" not in config  # uppercase keys only, as from_mapping
    assert config.explain("SECRET_KEY") == (
        "SECRET_KEY = '***' (from .ini setting 'cookiesession.secret_key')"
    )
    assert config.source("SECRET_KEY").kind == "ini"
