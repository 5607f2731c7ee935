"""The README's example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from webtest import TestApp

README = Path(__file__).parent.parent / "README.md"


def test_readme_example(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    client = TestApp(namespace["app"])
    assert client.get("/").text == "Visit number 1"
    assert client.get("/").text == "Visit number 2"


TEST_COMMAND = (
    "python -m pip install -U pip && python -m pip install -e . --group tests"
    " && python -m pytest --cov"
)


def test_readme_commands():
    text = README.read_text()
    assert "python -m pip install . && cookiesession demo" in text
    assert TEST_COMMAND in text
    ci = README.parent / ".ci" / "run"
    if ci.exists():  # not shipped in the sdist
        assert TEST_COMMAND in ci.read_text()
