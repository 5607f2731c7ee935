"""Flask's tagged-JSON session format.

JSON has no tuples, bytes, datetimes or UUIDs, so values of those types are
stored as a one-key object whose key is a *tag*::

    (1, 2)                      {" t": [1, 2]}
    b"\\x00"                     {" b": "AA=="}
    datetime(2026, 1, 1)        {" d": "Thu, 01 Jan 2026 00:00:00 GMT"}
    UUID("...")                 {" u": "<32 hex digits>"}
    Markup("<b>")               {" m": "<b>"}
    {" t": "data"}              {" di": {" t__": "data"}}

The last row keeps a user's dict that happens to look like a tag from being
read back as one. The text is compact, ASCII and has sorted keys, so it is
byte-for-byte what Flask writes.
"""

from __future__ import annotations

import json
import typing as t
from base64 import b64decode, b64encode
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from uuid import UUID

try:
    from markupsafe import Markup as _Markup
except ImportError:  # pragma: no cover - markupsafe comes with most stacks
    _Markup = None  # type: ignore[assignment,misc]

__all__ = ["JSONTag", "TaggedJSONSerializer"]


class JSONTag:
    """Base class for a tag: how one Python type is stored in JSON.

    Subclass it, set :attr:`key` and implement :meth:`check`,
    :meth:`to_json` and :meth:`to_python`, then
    :meth:`TaggedJSONSerializer.register` it.

    :param serializer: The serializer the tag belongs to; use it to tag
        values nested inside this one.

    .. versionadded:: 0.1
    """

    __slots__ = ("serializer",)

    #: The tag's key in the JSON object, by convention a space and a short
    #: name (the space keeps it apart from ordinary keys).
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether *value* should be stored with this tag."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Turn *value* into something JSON can hold."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Turn the stored JSON back into the Python value."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> dict[str, t.Any]:
        """Wrap *value* as ``{key: to_json(value)}``."""
        return {self.key: self.to_json(value)}


class _TagDict(JSONTag):
    """A dict whose only key is a tag key: the key gets a ``__`` suffix."""

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class _TagTuple(JSONTag):
    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class _TagBytes(JSONTag):
    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class _TagMarkup(JSONTag):
    """Objects with ``__html__``; loaded as ``markupsafe.Markup`` when
    markupsafe is installed, else as a plain string."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return str(value) if _Markup is None else _Markup(value)


class _TagUUID(JSONTag):
    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class _TagDateTime(JSONTag):
    """Datetimes, as an HTTP date in UTC: whole seconds; a naive datetime
    is taken to be UTC, and every datetime loads back aware."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return format_datetime(value.astimezone(timezone.utc), usegmt=True)

    def to_python(self, value: t.Any) -> t.Any:
        result = parsedate_to_datetime(value)
        if result.tzinfo is None:
            result = result.replace(tzinfo=timezone.utc)
        return result


def _not_json(value: object) -> t.NoReturn:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _compact_encoder() -> t.Callable[[t.Any], str]:
    """Compact, sorted, ASCII JSON. The C encoder is built once here, where
    ``json.dumps`` would build it on every call."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - no C accelerator (PyPy)
        return json.JSONEncoder(
            ensure_ascii=True, separators=(",", ":"), sort_keys=True
        ).encode
    # No circular-reference markers: tag() has walked the value already and
    # fails on a cycle before the encoder sees it.
    chunks = make(
        None,
        _not_json,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        True,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    return lambda value: "".join(chunks(value, 0))


_BUILTIN_TAGS = frozenset(
    (_TagDict, _TagTuple, _TagBytes, _TagMarkup, _TagUUID, _TagDateTime)
)

_Scanner = t.Callable[[str, int], tuple[t.Any, int]]

# Exact types JSON stores as they are; subclasses (Markup is a str) are
# checked against the tags.
_PLAIN: frozenset[type] = frozenset((str, int, float, bool, type(None)))


class TaggedJSONSerializer:
    """Dumps and loads session data in Flask's tagged-JSON format.

    .. code-block:: python

        s = TaggedJSONSerializer()
        s.dumps({"cart": (1, 2)})  # '{"cart":{" t":[1,2]}}'
        s.loads('{"cart":{" t":[1,2]}}')  # {'cart': (1, 2)}

    Loading decodes tags in the C JSON parser's ``object_hook``, so a
    payload is walked once.

    .. versionadded:: 0.1
    """

    #: The built-in tags, in the order they are checked.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        _TagDict,
        _TagTuple,
        _TagBytes,
        _TagMarkup,
        _TagUUID,
        _TagDateTime,
    ]

    def __init__(self) -> None:
        #: Tags by key, for loading.
        self.tags: dict[str, JSONTag] = {}
        #: Tags in the order they are checked when dumping.
        self.order: list[JSONTag] = []
        for cls in self.default_tags:
            self.register(cls)
        self._encode = _compact_encoder()
        decoder = json.JSONDecoder(object_hook=self._untag)
        self._decode = decoder.decode
        # The C scanner alone: compact JSON with nothing around it, which
        # is what cookies hold, needs none of decode()'s whitespace handling.
        self._scan_tagged: _Scanner = t.cast(t.Any, decoder).scan_once
        self._scan_plain: _Scanner = t.cast(t.Any, json.JSONDecoder()).scan_once

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag.

        :param tag_class: The :class:`JSONTag` subclass.
        :param force: Replace a tag with the same key instead of raising.
        :param index: Where to insert it in :attr:`order`; ``None`` appends.
            Tags are checked in order, so a tag for a subclass must come
            before the tag for its base class.
        :raises KeyError: If the key is taken and *force* is false.

        .. versionadded:: 0.1
        """
        tag = tag_class(self)
        if tag.key in self.tags:
            if not force:
                raise KeyError(f"Tag {tag.key!r} is already registered.")
            self.order.remove(self.tags[tag.key])
        self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        # The fast paths skip only work that cannot change the result: none
        # of the built-in tags claims a plain value, and all their keys
        # start with a space. A tag of the application's may do either.
        self._builtin_only = all(type(t) in _BUILTIN_TAGS for t in self.order)
        self._space_keys = all(key.startswith(" ") for key in self.tags)

    def tag(self, value: t.Any) -> t.Any:
        """Turn *value* into plain JSON data, tagging what needs a tag."""
        if self._builtin_only:
            cls = type(value)
            if cls in _PLAIN:
                return value
            if cls is dict and not (len(value) == 1 and next(iter(value)) in self.tags):
                # Plain values as they are, without a call each.
                return {
                    k: v if type(v) in _PLAIN else self.tag(v) for k, v in value.items()
                }
            if cls is list:
                return [self.tag(item) for item in value]
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        if isinstance(value, dict):
            return {k: self.tag(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tag(item) for item in value]
        return value  # not JSON: the encoder raises TypeError naming its type

    def _untag(self, value: dict[str, t.Any]) -> t.Any:
        if len(value) == 1:
            key = next(iter(value))
            tag = self.tags.get(key)
            if tag is not None:
                return tag.to_python(value[key])
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag *value* and encode it as compact, sorted, ASCII JSON."""
        return self._encode(self.tag(value))

    def loads(self, value: str | bytes) -> t.Any:
        """Decode JSON text and turn tags back into Python values."""
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        # Every tag key starts with a space, so text in which no string does
        # (no '" ', no escaped space) holds no tag, and is parsed without
        # calling back into Python for each object.
        tagged = not self._space_keys or '" ' in value or "\\u0020" in value
        scan = self._scan_tagged if tagged else self._scan_plain
        try:
            obj, end = scan(value, 0)
        except StopIteration:
            end = -1
        if end == len(value):
            return obj
        return self._decode(value)  # whitespace, trailing data: the full rules
