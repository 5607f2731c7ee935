"""Runs the ``>>>`` examples in the docs as doctests, each page in a fresh
temporary folder, with the environment restored afterwards."""

import os

import pytest


@pytest.fixture(autouse=True)
def _doc_sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
