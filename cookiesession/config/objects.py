"""Configuration from Python: objects named by an import string, and
Python files run as modules."""

from __future__ import annotations

import importlib
import types

from .sources import Source

__all__ = ["resolve_object", "run_pyfile"]


def resolve_object(obj: object) -> tuple[object, Source]:
    """The object *obj* names (itself, or what an import string
    ``"pkg.mod"``, ``"pkg.mod:Name"`` or ``"pkg.mod.Name"`` imports), and
    its source.

    :raises ImportError: If the import string cannot be resolved.
    """
    if isinstance(obj, str):
        return _import_string(obj), Source("object", name=repr(obj))
    if isinstance(obj, types.ModuleType):
        return obj, Source("object", name=obj.__name__)
    cls = obj if isinstance(obj, type) else type(obj)
    return obj, Source("object", name=f"{cls.__module__}.{cls.__qualname__}")


def run_pyfile(path: str) -> types.ModuleType:
    """Run the Python file at *path* (read as bytes, so coding cookies
    work) as a module named ``config``.

    :raises OSError: If the file cannot be read.
    """
    module = types.ModuleType("config")
    module.__file__ = path
    with open(path, "rb") as f:
        code = f.read()
    exec(compile(code, path, "exec"), module.__dict__)
    return module


def _import_string(name: str) -> object:
    """Import ``pkg.mod``, ``pkg.mod:Name`` or ``pkg.mod.Name``."""
    if ":" in name:
        module_name, _, attr_path = name.partition(":")
    else:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name is None or not name.startswith(e.name) or "." not in name:
                raise ImportError(f"Could not import {name!r}: {e}") from e
        module_name, _, attr_path = name.rpartition(".")
    try:
        obj: object = importlib.import_module(module_name)
        for attr in attr_path.split("."):
            obj = getattr(obj, attr)
    except (ImportError, AttributeError, ValueError) as e:
        raise ImportError(f"Could not import {name!r}: {e}") from e
    return obj
