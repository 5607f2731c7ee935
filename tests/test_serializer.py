from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer as FlaskTagged
from markupsafe import Markup

from cookiesession import JSONTag, TaggedJSONSerializer

UTC = timezone.utc
VALUES = {
    "str": "text ünï",
    "int": 1,
    "float": 1.5,
    "bool": True,
    "none": None,
    "list": [1, "a", [2]],
    "tuple": (1, (2, "x"), [3]),
    "bytes": b"\x00\xffbin",
    "datetime": datetime(2026, 11, 24, 8, 30, 15, tzinfo=UTC),
    "uuid": UUID("12345678-1234-5678-1234-567812345678"),
    "markup": Markup("<b>bold</b>"),
    "tag-like dict": {" t": "not a tuple"},
    "tag-like dict 2": {" di": {" t__": 1}},
    "nested": {"a": {"b": [(1,), {" b": "x"}]}},
    "empty": {},
}


@pytest.mark.parametrize("key", list(VALUES))
def test_round_trip(key):
    s = TaggedJSONSerializer()
    value = {key: VALUES[key]}
    loaded = s.loads(s.dumps(value))
    assert loaded == value
    assert type(loaded[key]) is type(VALUES[key])


@pytest.mark.parametrize("key", list(VALUES))
def test_same_bytes_as_flask(key):
    value = {key: VALUES[key]}
    ours = TaggedJSONSerializer().dumps(value)
    theirs = json.dumps(FlaskTagged().tag(value), separators=(",", ":"), sort_keys=True)
    assert ours == theirs
    assert FlaskTagged().loads(ours) == value
    assert TaggedJSONSerializer().loads(FlaskTagged().dumps(value)) == value


def test_output_is_compact_sorted_ascii():
    text = TaggedJSONSerializer().dumps({"b": "é", "a": [1, 2]})
    assert text == '{"a":[1,2],"b":"\\u00e9"}'


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            datetime(2026, 1, 2, 3, 4, 5, 999),
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            id="naive-is-utc",
        ),
        pytest.param(
            datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            id="aware-converted",
        ),
    ],
)
def test_datetimes_load_aware_utc(given, expected):
    s = TaggedJSONSerializer()
    loaded = s.loads(s.dumps({"d": given}))["d"]
    assert loaded == expected
    assert loaded.tzinfo is not None


def test_minus_zero_date_loads_aware():
    loaded = TaggedJSONSerializer().loads('{" d":"Thu, 01 Jan 2026 00:00:00 -0000"}')
    assert loaded == datetime(2026, 1, 1, tzinfo=UTC)


def test_any_html_object_is_stored_as_markup():
    class Html:
        def __html__(self):
            return "<i>x</i>"

    s = TaggedJSONSerializer()
    assert s.dumps(Html()) == '{" m":"<i>x</i>"}'
    assert s.loads(s.dumps(Html())) == Markup("<i>x</i>")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"a": {" t": [1]}}', id="spaced"),
        pytest.param('{"a":{"\\u0020t":[1]}}', id="escaped-space"),
        pytest.param(' {"a":{" t":[1]}} ', id="surrounding-whitespace"),
    ],
)
def test_tags_found_in_any_valid_json(text):
    assert TaggedJSONSerializer().loads(text) == {"a": (1,)}


def test_loads_bytes():
    assert TaggedJSONSerializer().loads(b'{"a":1}') == {"a": 1}


def test_subclasses_of_dict_and_list():
    class D(dict):
        pass

    class L(list):
        pass

    s = TaggedJSONSerializer()
    assert s.loads(s.dumps({"d": D(a=(1,)), "l": L([(2,)])})) == {
        "d": {"a": (1,)},
        "l": [(2,)],
    }


def test_unserializable_raises_type_error():
    with pytest.raises(TypeError, match="set"):
        TaggedJSONSerializer().dumps({"a": {1, 2}})


class TagSet(JSONTag):
    __slots__ = ()
    key = " s"

    def check(self, value):
        return isinstance(value, set)

    def to_json(self, value):
        return sorted(value)

    def to_python(self, value):
        return set(value)


def test_register_custom_tag():
    s = TaggedJSONSerializer()
    s.register(TagSet)
    assert s.loads(s.dumps({"a": {2, 1}})) == {"a": {1, 2}}
    assert s.loads(s.dumps({" s": 1})) == {" s": 1}
    with pytest.raises(KeyError, match="' s'"):
        s.register(TagSet)
    s.register(TagSet, force=True, index=0)
    assert s.order[0].key == " s"
    assert len(s.order) == len(TaggedJSONSerializer.default_tags) + 1


def test_base_tag_is_abstract():
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(1)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{" t": 5}', id="tuple-of-int"),
        pytest.param('{" b": "a"}', id="bad-base64"),
        pytest.param('{" d": "yesterday"}', id="bad-date"),
        pytest.param('{" u": "xyz"}', id="bad-uuid"),
        pytest.param("[" * 100000, id="deep"),
    ],
)
def test_malformed_tags_raise(text):
    with pytest.raises((ValueError, TypeError, RecursionError)):
        TaggedJSONSerializer().loads(text)


class _BigInt(JSONTag):
    """Stores ints past JavaScript's safe range as strings."""

    key = " bi"

    def check(self, value):
        return type(value) is int and abs(value) > 2**53

    def to_json(self, value):
        return str(value)

    def to_python(self, value):
        return int(value)


class _NoSpace(JSONTag):
    key = "money"

    def check(self, value):
        return isinstance(value, complex)

    def to_json(self, value):
        return [value.real, value.imag]

    def to_python(self, value):
        return complex(*value)


def test_a_tag_at_index_0_is_honoured_for_plain_values():
    ours, flasks = TaggedJSONSerializer(), FlaskTagged()
    ours.register(_BigInt, index=0)
    flasks.register(_BigInt, index=0)
    data = {"big": 2**60, "small": 5, "list": [2**60]}
    assert json.loads(ours.dumps(data)) == json.loads(flasks.dumps(data))
    assert '{" bi":"1152921504606846976"}' in ours.dumps(data)
    assert ours.loads(ours.dumps(data)) == data


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"x":{"money":[1.0,2.0]}}', id="alone"),
        pytest.param('{"a":" spaced","x":{"money":[1.0,2.0]}}', id="with-space"),
    ],
)
def test_a_tag_key_without_a_space_decodes_every_time(text):
    s = TaggedJSONSerializer()
    s.register(_NoSpace)
    assert s.loads(text)["x"] == complex(1, 2)
