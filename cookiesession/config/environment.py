"""Reading the environment, ``.env`` files and secrets mounts into
``(key, value, source)`` triples, and nesting ``A__B`` variables: what
:class:`~cookiesession.Config` stores, all or nothing."""

from __future__ import annotations

import errno
import io
import os
import typing as t
from collections.abc import Callable, Mapping

from .sources import Source

__all__ = [
    "SILENT_ERRNOS",
    "dotenv_variables",
    "environment_variables",
    "nest",
    "secrets_in",
]

#: What ``silent=True`` ignores: a missing file, a directory, a path through
#: a file.
SILENT_ERRNOS = frozenset((errno.ENOENT, errno.EISDIR, errno.ENOTDIR))
_ABSENT: t.Any = object()


def environment_variables(prefix: str) -> list[tuple[str, str, Source]]:
    """The ``PREFIX_*`` variables of :data:`os.environ`, sorted."""
    return [
        (name, os.environ[name], Source("environment", name, prefix=prefix))
        for name in sorted(os.environ)
        if name.startswith(prefix) and name != prefix
    ]


def dotenv_variables(filename: str, prefix: str) -> list[tuple[str, str, Source]]:
    """The ``PREFIX_*`` variables of a ``.env`` file, read with
    python-dotenv, each with its line.

    :raises OSError: If the file cannot be read.
    """
    try:
        from dotenv import dotenv_values
        from dotenv.parser import parse_stream
    except ImportError as e:
        raise ImportError(
            "Config.from_dotenv needs python-dotenv:"
            " pip install 'cookiesession[dotenv]'"
        ) from e
    with open(filename, encoding="utf-8") as f:
        text = f.read()
    values = dotenv_values(stream=io.StringIO(text))
    lines = {
        binding.key: binding.original.line
        for binding in parse_stream(io.StringIO(text))
        if binding.key is not None
    }
    prefix = prefix.rstrip("_") + "_"
    return [
        (
            name,
            value,
            Source("dotenv", name, path=filename, line=lines.get(name), prefix=prefix),
        )
        for name, value in sorted(values.items())
        if name.startswith(prefix) and name != prefix and value is not None
    ]


def secrets_in(path: str, silent: bool) -> list[tuple[str, str, Source]] | None:
    """The secrets of a mount: each regular file not starting with a dot,
    as its UTF-8 text minus exactly one line ending (a lone ``\\r`` belongs
    to the secret). ``None`` for a missing folder when *silent*.

    :raises OSError: If the folder cannot be listed; it names the folder.
    :raises ValueError: If a file is not UTF-8; the message names the file,
        never its contents.
    """
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        if silent and e.errno in SILENT_ERRNOS:
            return None
        e.strerror = f"Unable to read secrets directory ({e.strerror})"
        e.filename = path
        raise
    loaded: list[tuple[str, str, Source]] = []
    for name in names:
        file_path = os.path.join(path, name)
        if name.startswith(".") or not os.path.isfile(file_path):
            continue
        with open(file_path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(
                f"The secret file {file_path!r} is not valid UTF-8 text."
            ) from e
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith("\n"):
            text = text[:-1]
        loaded.append((name.upper(), text, Source("secrets", name, path=file_path)))
    return loaded


def nest(
    config: Mapping[str, t.Any],
    variables: list[tuple[str, str, Source]],
    prefix: str,
    loads: Callable[[str], t.Any],
    describe: Callable[[str], str],
) -> list[tuple[str, t.Any, Source]]:
    """What *variables* set in *config*: each parsed with *loads* (the raw
    string kept where that raises), ``A__B`` setting ``config["A"]["B"]``
    in copies, so nothing is changed until every variable applied;
    *describe(key)* says where a conflicting value came from.

    :raises ValueError: If a nested name's parent holds a non-dict.
    """
    staged: dict[str, t.Any] = {}
    setters: dict[tuple[str, ...], str] = {}  # path -> the variable that set it
    sources: dict[str, Source] = {}
    owned: set[int] = set()  # dicts created or copied by this call
    for env_key, raw, source in variables:
        sources[env_key] = source
        try:
            value = loads(raw)
        except Exception:
            value = raw
        *parents, tail = env_key[len(prefix) :].split("__")
        current: dict[str, t.Any] = staged
        for depth, part in enumerate(parents):
            if current is staged and part not in staged:
                child = config.get(part, _ABSENT)
            else:
                child = current.get(part, _ABSENT)
            if child is _ABSENT:
                child = {}
            elif not isinstance(child, dict):  # None included: it was set
                path = tuple(parents[: depth + 1])
                raise _conflict(describe, env_key, path, setters.get(path))
            if id(child) not in owned:
                child = dict(child)
                owned.add(id(child))
            current[part] = child
            current = child
        current[tail] = value
        for depth in range(len(parents) + 1):
            setters[(*parents, tail)[: depth + 1]] = env_key
    return [(key, value, sources[setters[(key,)]]) for key, value in staged.items()]


def _conflict(
    describe: Callable[[str], str],
    env_key: str,
    path: tuple[str, ...],
    setter: str | None,
) -> ValueError:
    name = "__".join(path)
    if setter is not None:
        by = f"the environment variable {setter!r}"
    else:
        by = f"the config value of {path[0]!r} (from {describe(path[0])})"
    return ValueError(
        f"The environment variable {env_key!r} sets a key inside {name!r},"
        f" but {name!r} is not a dict: it was set by {by}. Remove or rename"
        " one of the two; no environment variable was applied."
    )
