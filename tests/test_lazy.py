"""The lazy session: a plain stand-in that opens the real session on first
use and passes every use to it."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import pytest

from cookiesession import Session, SessionInterface
from cookiesession.sessions import LazySession, ensure_opened, is_opened, loaded


class Counting(SessionInterface):
    def __init__(self, session):
        self.session = session
        self.opened = 0

    def open_session(self, app, request):
        self.opened += 1
        assert request == "the request"
        return self.session


class App:
    config = {"SECRET_KEY": None}


def lazy(session):
    interface = Counting(session)
    return LazySession(
        (interface, App(), "", lambda source: source, "the request")
    ), interface


def test_nothing_opens_until_used():
    session, interface = lazy(Session({"a": 1}))
    assert not is_opened(session)
    assert interface.opened == 0
    assert repr(session) == "<Session (not loaded yet)>"
    assert isinstance(session, Session)  # before the first use too
    assert session["a"] == 1
    assert session.get("a") == 1
    assert interface.opened == 1
    assert is_opened(session)


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        pytest.param(lambda s: s.setdefault("b", 2), {"a": 1, "b": 2}, id="setdefault"),
        pytest.param(lambda s: s.update(b=2), {"a": 1, "b": 2}, id="update"),
        pytest.param(lambda s: s.pop("a"), {}, id="pop"),
        pytest.param(lambda s: s.popitem(), {}, id="popitem"),
        pytest.param(lambda s: s.clear(), {}, id="clear"),
        pytest.param(lambda s: s.__delitem__("a"), {}, id="del"),
        pytest.param(lambda s: s.__ior__({"b": 2}), {"a": 1, "b": 2}, id="ior"),
    ],
)
def test_every_mutator_reaches_the_real_session(operation, expected):
    real = Session({"a": 1})
    session, _ = lazy(real)
    operation(session)
    assert dict(real.data) == expected
    assert real.modified
    assert real.accessed


def test_it_is_a_mapping_and_equals_its_contents():
    session, _ = lazy(Session({"a": 1}))
    assert isinstance(session, Mapping)
    assert isinstance(session, MutableMapping)
    assert dict(session) == {"a": 1}
    assert session == {"a": 1}
    assert list(session) == ["a"]
    assert list(session.items()) == [("a", 1)]
    assert len(session) == 1
    assert session
    assert "a" in session


def test_attributes_are_the_real_sessions():
    real = Session({"a": 1})
    session, interface = lazy(real)
    session.modified = True
    assert real.modified is True
    assert session.permanent is False
    assert loaded(session) is real
    assert ensure_opened(session) is session
    assert interface.opened == 1  # once per request, however it is reached
    with pytest.raises(AttributeError):
        session.no_such_attribute  # noqa: B018
    del session.issued
    with pytest.raises(AttributeError):
        real.issued  # noqa: B018


def test_none_from_the_interface_is_a_null_session():
    session, _ = lazy(None)
    assert dict(session) == {}
    with pytest.raises(RuntimeError, match="no secret key"):
        session["a"] = 1


def test_it_is_unhashable_like_the_session():
    session, _ = lazy(Session())
    with pytest.raises(TypeError):
        hash(session)
