"""Crumbs in a real browser: headless Chromium driven by Selenium, doing what the lesson
asks of a learner in the dev tools."""

import json
import os
import pathlib
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "interop"))
from conftest import ROOT, Crumbs  # noqa: E402

pytest_plugins = ["conftest"]


@pytest.fixture
def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shown_json(driver):
    """The JSON a route answered, as Chromium shows it (in a <pre>)."""
    return json.loads(driver.find_element(By.TAG_NAME, "pre").text)


def cookie_names(answer):
    return [name for item in answer["cookies"] for name in item]


def wait_for_text(driver, element_id, text):
    WebDriverWait(driver, 10).until(expected_conditions.text_to_be_present_in_element((By.ID, element_id), text))


def assert_fits(driver):
    """Nothing is wider than the viewport or starts left of it, and every placeholder fits
    its input (measured in the input's own font)."""
    overflowing = driver.execute_script("""
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll("body *")]
          .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > width + 0.5); })
          .map((e) => e.tagName + "#" + e.id + " " + JSON.stringify(e.getBoundingClientRect()));
    """)
    assert overflowing == [], overflowing
    cut = driver.execute_script("""
        const context = document.createElement("canvas").getContext("2d");
        return [...document.querySelectorAll("input[placeholder]")].filter((input) => {
          const style = getComputedStyle(input);
          context.font = style.font;
          const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return context.measureText(input.placeholder).width > room;
        }).map((input) => input.id + ": " + input.placeholder + " (" + input.clientWidth + " px wide, " + window.innerWidth + " px window)");
    """)
    assert cut == [], cut


def test_a_learner_walks_through_the_lesson(browser, tmp_path, key_file):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    try:
        base = server.url
        browser.get(base + "/sessions/hello")
        hello = shown_json(browser)
        assert hello["session"] == {"session_accessed": True, "session_key": "hello", "session_value": "World"}
        assert hello["cookies"] == []

        browser.get(base + "/crumbs")
        crumbs = shown_json(browser)
        assert cookie_names(crumbs) == ["session"]
        assert crumbs["message"] == "mouse successfully followed crumbs"

        browser.get(base + "/sessions/count")
        assert shown_json(browser)["session"]["session_value"] == 1
        assert cookie_names(shown_json(browser)) == ["session", "mouse"]

        # Scripts see mouse but not the HttpOnly session cookie.
        browser.get(base + "/")
        wait_for_text(browser, "session", '"count": 1')
        readable = browser.execute_script("return document.cookie")
        assert "mouse=Cookie" in readable and "session=" not in readable
        rows = {
            row.find_element(By.CSS_SELECTOR, "td code").text: row.find_element(By.CSS_SELECTOR, ".tag").text
            for row in browser.find_elements(By.CSS_SELECTOR, "#cookies tr")
        }
        assert rows == {"session": "HttpOnly: scripts cannot read it", "mouse": "page scripts can read it"}
        assert browser.find_element(By.ID, "raw").text.startswith("eyJ")

        # Edit mouse from the page, as the dev tools would, and the server believes it.
        browser.find_element(By.ID, "mouse").send_keys("Edited by hand")
        browser.find_element(By.CSS_SELECTOR, "#mouse-form button").click()
        wait_for_text(browser, "cookies", "Edited%20by%20hand")
        browser.get(base + "/crumbs")
        assert {"mouse": "Edited%20by%20hand"} in shown_json(browser)["cookies"]

        # Set a session value through the page (PUT /sessions/theme).
        browser.get(base + "/")
        wait_for_text(browser, "session", '"count": 1')
        browser.find_element(By.ID, "key").send_keys("theme")
        browser.find_element(By.ID, "value").send_keys('"dark"')
        browser.find_element(By.CSS_SELECTOR, "#value-form button").click()
        wait_for_text(browser, "session", '"theme": "dark"')
        wait_for_text(browser, "value-result", "PUT /sessions/theme: 200")

        # A value that is not JSON: the server's own message appears beside the form.
        browser.find_element(By.ID, "value").clear()
        browser.find_element(By.ID, "value").send_keys("dark")
        browser.find_element(By.CSS_SELECTOR, "#value-form button").click()
        wait_for_text(browser, "value-result", "PUT /sessions/theme: 400 Bad Request: the body is not JSON: ")
        assert "failed" in browser.find_element(By.ID, "value-result").get_attribute("class")
        assert '"theme": "dark"' in browser.find_element(By.ID, "session").text
        browser.find_element(By.ID, "count").click()
        wait_for_text(browser, "session", '"count": 2')

        # Edit the session cookie by hand: Crumbs starts a fresh session.
        session = browser.get_cookie("session")
        assert session["httpOnly"] is True and session["sameSite"] == "Lax"
        browser.delete_cookie("session")
        browser.add_cookie({"name": "session", "value": session["value"].replace("eyJ", "eyK", 1), "path": "/",
                            "httpOnly": True, "sameSite": "Lax"})
        browser.get(base + "/sessions/count")
        assert shown_json(browser)["session"]["session_value"] == 1

        # The page's screenshot after the walk, at laptop and phone width.
        browser.get(base + "/")
        wait_for_text(browser, "session", '"count": 1')
        browser.find_element(By.ID, "crumbs").click()
        wait_for_text(browser, "try-result", "GET /crumbs: 200")
        assert_fits(browser)
        shots = pathlib.Path(os.environ.get("CRUMBS_SCREENSHOT_DIR", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(shots / "page.png"))
        phone = {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
        assert browser.execute_script("return window.innerWidth") == 375
        assert_fits(browser)
        assert browser.save_screenshot(str(shots / "page-phone.png"))
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

        # Clear both cookies from the page.
        browser.find_element(By.ID, "clear").click()
        wait_for_text(browser, "try-result", "DELETE /sessions and /crumbs: 200")
        wait_for_text(browser, "raw", "(no session cookie)")
        assert browser.get_cookies() == []
    finally:
        server.stop()


def test_the_page_is_locked_down(browser, tmp_path, key_file):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    try:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        policy = response.getheader("Content-Security-Policy")
        assert policy.startswith("default-src 'none'; script-src 'sha256-")
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        # The browser runs the page under that policy without a single violation.
        browser.get(server.url + "/")
        wait_for_text(browser, "session", "{}")
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        server.stop()
