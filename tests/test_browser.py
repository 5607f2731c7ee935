"""The demo app in a real browser: Debian's Chromium, headless, through
selenium and the system ChromeDriver (nothing is downloaded)."""

from __future__ import annotations

import shutil
import tempfile
import time

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
    assert session_cookie(browser) is None

    log_in(browser, "Bob", remember=True)
    cookie = session_cookie(browser)
    assert cookie is not None
    expected = time.time() + 31 * 86400
    assert abs(cookie["expiry"] - expected) < 120
    assert "remembered for 31 days" in browser.page_source

    click(browser, 'form[action="/logout"] button')
    assert session_cookie(browser) is None
    assert browser.find_elements(By.NAME, "name")
