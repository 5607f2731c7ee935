import importlib.metadata
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "cookiesession"
copyright = "2026, The cookiesession developers"
release = importlib.metadata.version("cookiesession")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "settings_reference",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
nitpicky = True
# Names that only exist for type checkers, and private helper types.
nitpick_ignore = [
    ("py:class", name)
    for name in (
        "t.Any",
        "Validator",
        "ASGIApp",
        "EventHook",
        "Opener",
        "WSGIEnvironment",
        "WSGIApplication",
        "StartResponse",
        "OptExcInfo",
        "Configurator",
        "cookiesession.wire.cookies.ResponseLike",
        "cookiesession.sessions._Opener",
    )
]
# The inventories are local (docs/_inventories/build.py writes them), so the
# docs build without a network.
intersphinx_mapping = {
    name: (url, (f"_inventories/{name}.inv",))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "itsdangerous": "https://itsdangerous.palletsprojects.com/en/stable/",
        "webob": "https://docs.pylonsproject.org/projects/webob/en/stable/",
        "pyramid": "https://docs.pylonsproject.org/projects/pyramid/en/latest/",
        "bottle": "https://bottlepy.org/docs/dev/",
        "flask": "https://flask.palletsprojects.com/en/stable/",
        "quart": "https://quart.palletsprojects.com/en/latest/",
        "sqlalchemy": "https://docs.sqlalchemy.org/en/20/",
    }.items()
}
html_theme = "furo"
html_title = f"cookiesession {version}"
exclude_patterns = ["_build", "_inventories"]
