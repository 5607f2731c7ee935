"""Where a configuration value came from, as facts: code reads the fields,
people read ``str(source)``."""

from __future__ import annotations

import dataclasses

__all__ = ["DEFAULTS", "SET_DIRECTLY", "Source"]


@dataclasses.dataclass(frozen=True)
class Source:
    """Where one configuration value came from.

    :param kind: ``"defaults"``, ``"set"`` (``[]=`` or ``update()``),
        ``"mapping"`` (:meth:`~cookiesession.Config.from_mapping`),
        ``"object"``, ``"file"`` (:meth:`~cookiesession.Config.from_file`),
        ``"pyfile"``, ``"environment"``, ``"secrets"``, ``"dotenv"`` or
        ``"ini"``.
    :param name: The environment variable, the secret file's name, the
        ``.ini`` key, the object, or the variable that named a pyfile.
    :param path: The file, for the kinds read from one.
    :param line: The line in the file, where known.
    :param prefix: The environment prefix (``"FLASK_"``) of the variable.

    .. versionadded:: 0.3
    """

    kind: str
    name: str | None = None
    path: str | None = None
    line: int | None = None
    prefix: str | None = None

    def __str__(self) -> str:
        """The wording of :meth:`~cookiesession.Config.source_of` (0.2)."""
        kind = self.kind
        if kind == "defaults":
            return "defaults"
        if kind == "set":
            return "set directly"
        if kind == "mapping":
            return "from_mapping()"
        if kind == "object":
            return f"object {self.name}"
        if kind == "environment":
            return f"environment variable {self.name}"
        if kind == "ini":
            where = f" in {self.path!r}" if self.path else ""
            return f".ini setting {self.name!r}{where}"
        where = f"file {self.path!r}"
        if kind == "dotenv":
            return f"{where} line {'?' if self.line is None else self.line}"
        if kind == "pyfile" and self.name is not None:
            return f"{where} (via ${self.name})"
        return where

    @property
    def variable(self) -> str | None:
        """The environment variable's name, for the kinds that have one
        (the environment and ``.env`` files)."""
        return self.name if self.kind in ("environment", "dotenv") else None


#: The source of a value the config was built with.
DEFAULTS = Source("defaults")
#: The source of a value stored with ``[]=`` or ``update()``.
SET_DIRECTLY = Source("set")
