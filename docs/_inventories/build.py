"""Write the intersphinx inventories the docs link through.

The docs are built where the network may be closed (CI), so intersphinx
reads these local inventories instead of fetching ``objects.inv`` files.
Each lists only the objects our pages refer to, with the address of each in
its project's published documentation. Run this after adding a reference:
``python docs/_inventories/build.py``.
"""

from __future__ import annotations

import pathlib
import zlib

HERE = pathlib.Path(__file__).parent

# project -> [(name, role, page#anchor)]; "$" in an address is the name.
INVENTORIES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "python": (
        "Python",
        "3",
        [
            *(
                (f"collections.abc.{n}", "py:class", "library/collections.abc.html#$")
                for n in (
                    "Mapping",
                    "MutableMapping",
                    "Callable",
                    "Sequence",
                    "Iterable",
                    "Iterator",
                )
            ),
            ("os.PathLike", "py:class", "library/os.html#$"),
            ("os.environ", "py:data", "library/os.html#$"),
            ("datetime.datetime", "py:class", "library/datetime.html#$"),
            ("datetime.timedelta", "py:class", "library/datetime.html#$"),
            ("tomllib.load", "py:function", "library/tomllib.html#$"),
            ("json.loads", "py:function", "library/json.html#$"),
            ("str.isupper", "py:method", "library/stdtypes.html#$"),
            ("binascii.Error", "py:exception", "library/binascii.html#$"),
            ("typing.Any", "py:data", "library/typing.html#$"),
            ("logging.Logger", "py:class", "library/logging.html#$"),
            *(
                (name, "py:exception", "library/exceptions.html#$")
                for name in (
                    "ValueError",
                    "TypeError",
                    "RuntimeError",
                    "KeyError",
                    "OSError",
                    "ImportError",
                    "Exception",
                )
            ),
            *(
                (name, "py:class", "library/stdtypes.html#$")
                for name in ("dict", "str", "bytes", "list", "tuple")
            ),
            *(
                (name, "py:class", "library/functions.html#$")
                for name in ("int", "float", "bool")
            ),
            ("UserWarning", "py:exception", "library/exceptions.html#$"),
        ],
    ),
    "itsdangerous": (
        "itsdangerous",
        "2.2",
        [
            (
                "itsdangerous.url_safe.URLSafeTimedSerializer",
                "py:class",
                "url_safe/#$",
            ),
            *(
                (f"itsdangerous.exc.{n}", "py:exception", "exceptions/#$")
                for n in (
                    "BadData",
                    "BadSignature",
                    "BadTimeSignature",
                    "SignatureExpired",
                    "BadPayload",
                )
            ),
        ],
    ),
    "webob": (
        "WebOb",
        "1.8",
        [
            ("webob.request.Request", "py:class", "api/request.html#$"),
            ("webob.Request", "py:class", "api/request.html#webob.request.Request"),
            ("webob.response.Response", "py:class", "api/response.html#$"),
            (
                "webob.Response",
                "py:class",
                "api/response.html#webob.response.Response",
            ),
            (
                "webob.Response.set_cookie",
                "py:method",
                "api/response.html#webob.response.Response.set_cookie",
            ),
        ],
    ),
    "pyramid": (
        "Pyramid",
        "2.0",
        [
            (
                "pyramid.exceptions.ConfigurationError",
                "py:exception",
                "api/exceptions.html#$",
            ),
            ("pyramid.interfaces.ISession", "py:class", "api/interfaces.html#$"),
            ("pyramid.config.Configurator", "py:class", "api/config.html#$"),
            ("pyramid.request.Request", "py:class", "api/request.html#$"),
            ("pyramid.response.Response", "py:class", "api/response.html#$"),
        ],
    ),
    "bottle": (
        "Bottle",
        "0.13",
        [
            (f"bottle.{name}", "py:class", "api.html#$")
            for name in ("Bottle", "Route", "HTTPResponse", "HTTPError", "BaseResponse")
        ],
    ),
    "flask": (
        "Flask",
        "3.1",
        [
            ("flask.Flask", "py:class", "api/#$"),
            ("flask.app.Flask", "py:class", "api/#flask.Flask"),
            ("flask.sessions.SessionInterface", "py:class", "api/#$"),
            ("flask.sessions.SessionMixin", "py:class", "api/#$"),
        ],
    ),
    "sqlalchemy": (
        "SQLAlchemy",
        "2.0",
        [
            *(
                (name, "py:class", f"core/{page}.html#{target}")
                for name, page, target in (
                    ("sa.Engine", "connections", "sqlalchemy.engine.Engine"),
                    ("sa.MetaData", "metadata", "sqlalchemy.schema.MetaData"),
                    ("sa.Table", "metadata", "sqlalchemy.schema.Table"),
                    (
                        "sqlalchemy.sql.schema.MetaData",
                        "metadata",
                        "sqlalchemy.schema.MetaData",
                    ),
                    (
                        "sqlalchemy.sql.schema.Table",
                        "metadata",
                        "sqlalchemy.schema.Table",
                    ),
                )
            ),
        ],
    ),
    "quart": (
        "Quart",
        "0.20",
        [
            (
                "quart.Quart",
                "py:class",
                "reference/source/quart.app.html#quart.app.Quart",
            ),
            ("quart.app.Quart", "py:class", "reference/source/quart.app.html#$"),
        ],
    ),
}


def write(name: str, project: str, version: str, entries: list) -> None:
    lines = [
        f"{obj} {role} 1 {address.replace('$', obj)} -"
        for obj, role, address in entries
    ]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress("\n".join(lines).encode() + b"\n")
    (HERE / f"{name}.inv").write_bytes(header.encode() + body)


if __name__ == "__main__":
    for name, (project, version, entries) in INVENTORIES.items():
        write(name, project, version, list(entries))
