"""A standalone configuration loader with Flask's ``Config`` API: a
:class:`dict` that fills itself from Python files, objects, JSON or TOML
files, prefixed environment variables, ``.env`` files and secret mounts, and
remembers where every key came from (:meth:`Config.explain`).

Values of keys that look secret (``SECRET``, ``PASSWORD``, ``TOKEN``,
``PRIVATE`` or ``CREDENTIAL`` anywhere in the name) are masked in ``repr()``,
in :meth:`Config.explain` and in every error message.
"""

from __future__ import annotations

import json
import os
import typing as t
from collections.abc import Callable, Iterable, Mapping

from .environment import (
    SILENT_ERRNOS,
    dotenv_variables,
    environment_variables,
    nest,
    secrets_in,
)
from .masking import mask_value
from .objects import resolve_object, run_pyfile
from .sources import DEFAULTS, SET_DIRECTLY, Source

__all__ = ["Config"]


class Config(dict[str, t.Any]):
    """A configuration dict that loads itself from files, objects and the
    environment, with the same methods and rules as Flask's ``Config``.

    Only fully uppercase keys are taken by :meth:`from_mapping`,
    :meth:`from_object`, :meth:`from_pyfile`, :meth:`from_envvar` and
    :meth:`from_file`, so a config file can use lowercase names for its own
    helpers. :meth:`from_prefixed_env`, ``update()`` and ``[]=`` store what
    they are given.

    :param root_path: The folder that relative file names are resolved
        against. Defaults to the current directory at construction.
    :param defaults: Initial values; :meth:`explain` reports them as
        ``defaults``.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str] | None = None,
        defaults: Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        #: The folder relative file names are resolved against.
        self.root_path: str | os.PathLike[str] = (
            os.getcwd() if root_path is None else root_path
        )
        # key -> (where it came from, the value stored then). A value that is
        # no longer the same object was replaced through the dict API.
        self._sources: dict[str, tuple[Source, object]] = {
            key: (DEFAULTS, value) for key, value in self.items()
        }

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {mask_value(k, v)}" for k, v in self.items())
        return f"<{type(self).__name__} {{{items}}}>"

    def _store(self, items: Iterable[tuple[str, t.Any]], source: Source) -> None:
        for key, value in items:
            self[key] = value
            self._sources[key] = (source, value)

    def _path(self, filename: str | os.PathLike[str]) -> str:
        return os.path.join(self.root_path, filename)

    def from_mapping(
        self, mapping: Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Update the config from a mapping and keyword arguments, taking
        only uppercase keys. Keyword arguments override the mapping.

        :param mapping: The values to load.
        :param kwargs: More values, applied after *mapping*.
        :return: Always ``True``.

        .. versionadded:: 0.1
        """
        self._from_mapping(mapping, kwargs, Source("mapping"))
        return True

    def from_source(self, mapping: Mapping[str, t.Any], source: Source) -> bool:
        """Load *mapping* as :meth:`from_mapping` does (uppercase keys only)
        and record *source* as where each value came from: how a loader of
        another format (a Pyramid ``.ini`` file, say) keeps
        :meth:`explain` right.

        :param mapping: The values to load.
        :param source: Where they came from.
        :return: Always ``True``.

        .. versionadded:: 0.3
        """
        self._from_mapping(mapping, {}, source)
        return True

    def _from_mapping(
        self,
        mapping: Mapping[str, t.Any] | None,
        kwargs: Mapping[str, t.Any],
        source: Source,
    ) -> None:
        merged: dict[str, t.Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        self._store(
            ((k, v) for k, v in merged.items() if isinstance(k, str) and k.isupper()),
            source,
        )

    def from_object(self, obj: object | str) -> None:
        """Update the config from the uppercase attributes of an object,
        inherited ones included.

        :param obj: A module, class or instance, or an import string:
            ``"pkg.mod"``, ``"pkg.mod:Name"`` or ``"pkg.mod.Name"``.
        :raises ImportError: If the import string cannot be resolved.

        .. versionadded:: 0.1
        """
        self._from_object(*resolve_object(obj))

    def _from_object(self, obj: object, source: Source) -> None:
        self._store(((k, getattr(obj, k)) for k in dir(obj) if k.isupper()), source)

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Execute a Python file and take its uppercase names.

        The file is read as bytes, so a coding cookie is honoured.

        :param filename: The file, relative to :attr:`root_path`.
        :param silent: Return ``False`` instead of raising when the file is
            missing, is a directory, or a path component is not a directory.
        :return: ``True`` if the file was loaded.
        :raises OSError: If the file cannot be read; the message starts
            ``Unable to load configuration file`` and names the file.

        .. versionadded:: 0.1
        """
        return self._from_pyfile(filename, silent, None)

    def _from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool, envvar: str | None
    ) -> bool:
        path = self._path(filename)
        try:
            module = run_pyfile(path)
        except OSError as e:
            if silent and e.errno in SILENT_ERRNOS:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        self._from_object(module, Source("pyfile", name=envvar, path=path))
        return True

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable, as
        :meth:`from_pyfile` does.

        :param variable_name: The environment variable holding the path.
        :param silent: Return ``False`` instead of raising when the variable
            is unset or empty, or the file is missing.
        :return: ``True`` if the file was loaded.
        :raises RuntimeError: If the variable is unset or empty.

        .. versionadded:: 0.1
        """
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of"
                " a Python configuration file."
            )
        return self._from_pyfile(filename, silent, variable_name)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[t.IO[t.Any]], Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with *load* and update the config from the mapping it
        returns, taking uppercase keys only.

        .. code-block:: python

            import json, tomllib
            config.from_file("config.json", load=json.load)
            config.from_file("config.toml", load=tomllib.load, text=False)

        :param filename: The file, relative to :attr:`root_path`.
        :param load: Called with the open file; returns a mapping.
        :param silent: Return ``False`` instead of raising when the file is
            missing, is a directory, or a path component is not a directory.
        :param text: Open in text mode (UTF-8); ``False`` opens it in binary
            mode, as :func:`tomllib.load` needs.
        :return: ``True`` if the file was loaded.

        .. versionadded:: 0.1
        """
        path = self._path(filename)
        try:
            if text:
                with open(path, encoding="utf-8") as f:
                    obj = load(f)
            else:
                with open(path, "rb") as f:
                    obj = load(f)
        except OSError as e:
            if silent and e.errno in SILENT_ERRNOS:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        self._from_mapping(obj, {}, Source("file", path=path))
        return True

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every environment variable that starts with ``PREFIX_``.

        The prefix is dropped from the name, which is kept as it is (no
        uppercase rule). Values are parsed with *loads*; a value it cannot
        parse is kept as the raw string. ``PREFIX_A__B`` sets
        ``config["A"]["B"]``, creating dicts as needed. Variables are applied
        in sorted order.

        :param prefix: The prefix; a trailing ``_`` is accepted.
        :param loads: Parses each value. Defaults to :func:`json.loads`, so
            ``true`` is a bool and ``5`` an int; quote a value (``'"5"'``) to
            keep it a string.
        :return: Always ``True``.
        :raises ValueError: If a nested name's parent holds a value that is
            not a dict. The config is left unchanged.

        .. versionadded:: 0.1
        """
        prefix = prefix.rstrip("_") + "_"
        self._from_variables(environment_variables(prefix), prefix, loads)
        return True

    def from_dotenv(
        self,
        path: str | os.PathLike[str] = ".env",
        prefix: str = "FLASK",
        silent: bool = False,
    ) -> bool:
        """Load the ``PREFIX_*`` variables of a ``.env`` file, read with
        python-dotenv (``pip install 'cookiesession[dotenv]'``), by the rules
        of :meth:`from_prefixed_env`: JSON values, ``A__B`` nesting, all or
        nothing. :data:`os.environ` is never changed; :meth:`explain` names
        the file and line.

        :param path: The file, relative to :attr:`root_path`.
        :param prefix: The prefix; a trailing ``_`` is accepted.
        :param silent: Return ``False`` instead of raising when the file is
            missing.
        :return: ``True`` if the file was read.
        :raises OSError: If the file cannot be read.
        :raises ValueError: As :meth:`from_prefixed_env`.

        .. versionadded:: 0.2
        """
        filename = self._path(path)
        try:
            variables = dotenv_variables(filename, prefix)
        except OSError as e:
            if silent and e.errno in SILENT_ERRNOS:
                return False
            e.strerror = f"Unable to load .env file ({e.strerror})"
            raise
        self._from_variables(variables, prefix.rstrip("_") + "_", json.loads)
        return True

    def _from_variables(
        self,
        variables: list[tuple[str, str, Source]],
        prefix: str,
        loads: Callable[[str], t.Any],
    ) -> None:
        """Apply ``(name, raw value, source)`` variables atomically."""
        for key, value, source in nest(self, variables, prefix, loads, self._describe):
            self._store([(key, value)], source)

    def from_secrets_dir(
        self, directory: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Load a Docker or Kubernetes secrets mount: each regular file
        becomes ``config[NAME.upper()]``, holding its UTF-8 text without one
        trailing newline.

        Names starting with a dot are skipped (Kubernetes keeps its
        ``..data`` links there); symbolic links are followed and dangling
        ones skipped.

        :param directory: The folder, relative to :attr:`root_path`.
        :param silent: Return ``False`` instead of raising when the folder
            does not exist.
        :return: ``True`` if the folder was read.
        :raises OSError: If the folder cannot be listed; the message names
            it.
        :raises ValueError: If a file is not valid UTF-8; the message names
            the file, never its contents.

        .. versionadded:: 0.1
        """
        loaded = secrets_in(self._path(directory), silent)
        if loaded is None:
            return False
        for key, text, source in loaded:
            self._store([(key, text)], source)
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The keys that start with *namespace*, as a new dict.

        .. code-block:: python

            config["IMAGE_STORE_PATH"] = "/var/app/images"
            config.get_namespace("IMAGE_STORE_")  # {'path': '/var/app/images'}

        :param namespace: The prefix to select.
        :param lowercase: Lowercase the resulting keys.
        :param trim_namespace: Drop the prefix from the resulting keys.

        .. versionadded:: 0.1
        """
        cut = len(namespace) if trim_namespace else 0
        return {
            key[cut:].lower() if lowercase else key[cut:]: value
            for key, value in self.items()
            if key.startswith(namespace)
        }

    def source(self, key: str) -> Source:
        """Where *key*'s value came from, as fields: the kind of source, the
        variable or key, the file and line, the environment prefix. What
        code reads; :meth:`source_of` is its text.

        :param key: The key.
        :raises KeyError: If the key is not set.

        .. versionadded:: 0.3
        """
        if key not in self:
            raise KeyError(f"{key!r} is not set in this config.")
        source, value = self._sources.get(key, (SET_DIRECTLY, None))
        return source if self[key] is value else SET_DIRECTLY

    def _describe(self, key: str) -> str:
        return str(self.source(key))

    def source_of(self, key: str) -> str:
        """Where *key*'s value came from, as :meth:`explain` words it: the
        environment variable, the file, the object, ``defaults`` or ``set
        directly``.

        :param key: The key.
        :raises KeyError: If the key is not set.

        .. versionadded:: 0.2
        """
        return str(self.source(key))

    def explain(self, key: str | None = None) -> str:
        """One line saying what *key* holds (masked if secret) and where it
        came from: an environment variable, a file, an object, ``defaults``
        or ``set directly``. Without a key, one such line per key, sorted.

        :param key: The key to explain, or ``None`` for all of them.
        :raises KeyError: If the key is not set.

        .. versionadded:: 0.1
        .. versionchanged:: 0.2
            *key* is optional.
        """
        if key is None:
            return "\n".join(self.explain(k) for k in sorted(self))
        return f"{key} = {mask_value(key, self[key])} (from {self.source_of(key)})"
