"""The demo app in a real browser: Debian's Chromium, headless, through
selenium and the system ChromeDriver (nothing is downloaded)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from cookiesession.demo import make_demo_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="Chromium and ChromeDriver not found (Debian: apt-get install"
        " chromium chromium-driver)",
    ),
]


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="cookiesession-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def session_cookie(driver):
    return next((c for c in driver.get_cookies() if c["name"] == "session"), None)


def wait_for(driver, condition):
    """Wait for the page a click started to load (clicks do not wait)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 15).until(condition)


def click(driver, selector):
    from selenium.webdriver.common.by import By

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait_for(driver, lambda d: _gone(old))
    wait_for(driver, lambda d: _ready(d))


def _gone(element):
    """Whether the page *element* was on has been replaced. While the new
    page loads, asking about the old element may fail in other ways than
    a stale reference; any failure means it is gone."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def _ready(driver):
    from selenium.common.exceptions import WebDriverException

    try:
        return driver.execute_script("return document.readyState") == "complete"
    except WebDriverException:
        return False


def log_in(driver, name, remember=False):
    from selenium.webdriver.common.by import By

    driver.find_element(By.NAME, "name").send_keys(name)
    if remember:
        driver.find_element(By.NAME, "remember").click()
    click(driver, 'form[action="/login"] button')


def test_demo_in_a_real_browser(browser, serve):
    from selenium.webdriver.common.by import By

    base = serve(make_demo_app({"SECRET_KEY": "browser-test-key"}))
    browser.get(base + "/")
    log_in(browser, "Ann")
    assert browser.find_element(By.ID, "user").text == "Ann"

    for item in ("apple", "pear"):
        browser.find_element(By.NAME, "item").send_keys(item)
        click(browser, 'form[action="/cart"] button')
    browser.refresh()
    items = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#cart li")]
    assert items == ["apple", "pear"]
    assert browser.find_element(By.ID, "user").text == "Ann"

    # HttpOnly: scripts cannot see it; the browser still has it.
    assert "session=" not in browser.execute_script("return document.cookie")
    cookie = session_cookie(browser)
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert "expiry" not in cookie  # not remembered: a browser-session cookie

    click(browser, 'form[action="/logout"] button')
    assert "You are logged out." in browser.page_source
    assert browser.find_elements(By.NAME, "name")

    log_in(browser, "Bob", remember=True)
    cookie = session_cookie(browser)
    assert cookie is not None
    expected = time.time() + 31 * 86400
    assert abs(cookie["expiry"] - expected) < 120
    assert "remembered for 31 days" in browser.page_source

    click(browser, 'form[action="/logout"] button')
    # The CSRF token and the goodbye stay in a browser-session cookie.
    assert "expiry" not in session_cookie(browser)
    assert browser.find_elements(By.NAME, "name")


@pytest.fixture
def screenshots(tmp_path):
    """Where the demo's pages are photographed: $COOKIESESSION_ARTIFACTS
    (CI keeps it), else the test's own folder."""
    folder = Path(os.environ.get("COOKIESESSION_ARTIFACTS", tmp_path)) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(driver, folder, name):
    """A screenshot of the whole page, as *name*.png."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1100, max(700, height + 40))
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a real picture, not an empty page


def test_every_capability_of_the_demo_in_a_real_browser(
    browser, serve, screenshots, tmp_path
):
    pytest.importorskip("sqlalchemy")
    import requests
    from selenium.webdriver.common.by import By

    from cookiesession.sql import SqlSessionInterface

    store = SqlSessionInterface.from_url(
        f"sqlite:///{tmp_path / 'demo.db'}", user_key="user", device_key="device"
    )
    store.create_table()
    config = {
        "SECRET_KEY": "browser-test-key",
        "SESSION_IDLE_TIMEOUT": "15m",
        "SESSION_ABSOLUTE_TIMEOUT": "8h",
    }
    base = serve(make_demo_app(config, session_interface=store))

    # A second device: another client logged in as the same user.
    phone = requests.Session()
    phone.headers["User-Agent"] = "Mozilla/5.0 (iPhone) Version/17.0 Safari/604.1"
    page = phone.get(base + "/").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    phone.post(base + "/login", data={"name": "Ann", "csrf_token": token})

    browser.get(base + "/")
    log_in(browser, "Ann")
    assert "Welcome, Ann." in browser.find_element(By.ID, "flashes").text
    assert "Idle timeout: 15 min" in browser.find_element(By.ID, "idle").text
    assert "Absolute timeout: 8 h" in browser.find_element(By.ID, "absolute").text
    assert "a signed id" in browser.find_element(By.ID, "cookie").text
    shoot(browser, screenshots, "1-home-with-a-store")

    click(browser, 'a[href="/devices"]')
    rows = browser.find_elements(By.CSS_SELECTOR, "#devices tr")
    assert len(rows) == 3  # the header, this browser, the phone
    assert "Safari on iPhone" in browser.page_source
    shoot(browser, screenshots, "2-your-devices")

    click(browser, 'form[action="/devices/revoke"] button')
    assert "Signed out that device." in browser.page_source
    assert "iPhone" not in browser.find_element(By.ID, "devices").text
    assert 'id="user"' not in phone.get(base + "/").text
    shoot(browser, screenshots, "3-signed-out-that-device")


def test_signed_and_encrypted_cookies_side_by_side(browser, serve, screenshots):
    pytest.importorskip("cryptography")
    from selenium.webdriver.common.by import By

    from cookiesession.crypto import EncryptedCookieSessionInterface

    signed = serve(make_demo_app({"SECRET_KEY": "browser-test-key"}))
    browser.get(signed + "/")
    log_in(browser, "Ann")
    browser.find_element(By.NAME, "item").send_keys("tea")
    click(browser, 'form[action="/cart"] button')
    seen = browser.find_element(By.ID, "cookie").text
    assert "The first part reads:" in seen
    assert '"user":"Ann"' in seen
    shoot(browser, screenshots, "4-signed-cookie")

    encrypted = serve(
        make_demo_app(
            {"SECRET_KEY": "browser-test-key"},
            session_interface=EncryptedCookieSessionInterface(),
        )
    )
    browser.delete_all_cookies()
    browser.get(encrypted + "/")
    log_in(browser, "Ann")
    seen = browser.find_element(By.ID, "cookie").text
    assert "Ann" not in seen
    assert "Ann" in browser.find_element(By.ID, "session").text
    shoot(browser, screenshots, "5-encrypted-cookie")
