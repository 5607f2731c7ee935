"""The store layer's rules without a server: the save plan is computed
without I/O, so a sync and an async backend execute the same plan."""

from __future__ import annotations

import json

import pytest

from cookiesession.stores.plan import (
    DATA_PREFIX,
    META_CREATED,
    META_USED,
    decode_fields,
    key_of,
    plan_save,
    user_index_of,
)

PREFIX = "session:"
NOW = 1_800_000_000


def plan(**overrides):
    options = {
        "prefix": PREFIX,
        "sid": "old-id",
        "new_sid": "new-id",
        "fields": {"d:user": '"ann"', "d:cart": "[1]"},
        "stored": {"d:user": '"ann"', "d:gone": "1", META_CREATED: "5"},
        "created": 5,
        "regenerated": False,
        "user": None,
        "now": NOW,
        "ttl_ms": 60_000,
    }
    options.update(overrides)
    return plan_save(**options)


def test_an_update_writes_only_what_changed():
    saved = plan()
    assert saved.create is False
    assert saved.sid == "old-id"
    assert saved.key == key_of(PREFIX, "old-id")
    assert dict(saved.set_fields) == {"d:cart": "[1]", META_USED: str(NOW)}
    assert saved.delete_fields == ("d:gone",)
    assert saved.replaces is None
    assert saved.index is None


@pytest.mark.parametrize(
    ("sid", "regenerated"),
    [
        pytest.param(None, False, id="new"),
        pytest.param("old-id", True, id="regenerated"),
    ],
)
def test_a_fresh_session_writes_everything_under_the_new_id(sid, regenerated):
    saved = plan(sid=sid, regenerated=regenerated)
    assert saved.create is True
    assert saved.sid == "new-id"
    assert saved.set_fields[META_CREATED] == "5"
    assert {"d:user", "d:cart", META_USED} <= set(saved.set_fields)
    assert saved.delete_fields == ()
    assert saved.replaces == (None if sid is None else key_of(PREFIX, "old-id"))


def test_the_key_is_a_hash_never_the_id():
    key = key_of(PREFIX, "secret-id")
    assert key.startswith(PREFIX)
    assert "secret-id" not in key
    assert len(key) == len(PREFIX) + 64


def test_a_user_is_indexed_with_times_and_no_id():
    saved = plan(user="ann", created=None)
    assert saved.index == user_index_of(PREFIX, "ann")
    assert "ann" not in saved.index
    assert json.loads(saved.index_entry) == {"created": NOW, "used": NOW}
    assert saved.created == NOW  # a session without a creation time starts now


def test_decoding_takes_data_fields_and_the_creation_time():
    fields = {b"d:user": b'"ann"', b"m:created": b"7", b"m:used": b"9"}
    loaded = decode_fields(fields, json.loads)
    assert loaded.data == {"user": "ann"}
    assert loaded.created == 7
    assert loaded.fields["m:used"] == "9"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({b"d:user": b"\x80\x04pickle"}, id="pickle"),
        pytest.param({DATA_PREFIX + "user": '"ann"'}, id="no-created"),
    ],
)
def test_what_was_not_written_here_does_not_decode(fields):
    with pytest.raises(Exception):  # noqa: B017, PT011 - any failure: not loaded
        decode_fields(fields, json.loads)


def test_a_store_regenerate_also_rotates_the_csrf_token_and_drops_auth():
    from cookiesession.stores.base import ServerSession

    session = ServerSession({"user": "ann", "_csrft_": "t", "_auth": 1})
    session.sid = "s" * 43
    session.regenerate()
    assert session.regenerated
    assert dict(session) == {"user": "ann"}
    assert session.modified
