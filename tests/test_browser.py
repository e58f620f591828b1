"""The explorer in a real browser (issue 21): Debian's chromium driven by selenium through
the system chromedriver (no browser download), against a server on the bundled sample.
Screenshots go to target/screenshots/; any browser console error fails the test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import minent_fast as mf
from minent_fast.serve import make_app
from minent_fast.templates import TemplateFinder
from test_serve import running

SHOTS = Path(__file__).resolve().parents[1] / "target" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.fail("chromium and chromedriver are needed (apt-get install chromium chromium-driver; "
                    "`make test` installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--disable-gpu", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server():
    lines = mf.sample_path().read_text(encoding="utf-8").splitlines()
    tf = TemplateFinder(mf.Tokenizer(mf.Lexicon.default()), window=3)
    tf.train(lines)
    tf.find(lines)
    with running(make_app(mf.CorpusIndex.build(mf.sample_path()), templates=tf.templates)) as base:
        yield base


def texts(driver, css: str) -> list[str]:
    """The text of every element matching css, read in one script call: the page re-renders
    its tables when an answer arrives, so reading row by row through element handles can
    meet a row that was replaced in between (StaleElementReferenceException)."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText)", css)


def waiter(driver) -> WebDriverWait:
    return WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def test_search_kwic_chart_sentence_and_tree(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    wait = waiter(browser)
    browser.get(server + "/")
    wait.until(lambda d: "characters" in d.find_element(By.ID, "info").text)
    box = browser.find_element(By.ID, "q")
    box.send_keys("宝玉")
    browser.find_element(By.ID, "go").click()
    wait.until(lambda d: len(texts(d, "#kwic tbody tr")) == 25)
    assert texts(browser, "#kwic tbody tr td.match") == ["宝玉"] * 25
    assert browser.find_element(By.ID, "count").text.startswith(f"{mf.CorpusIndex.build(mf.sample_path()).count('宝玉'):,}")
    first_page = texts(browser, "#kwic tbody tr")
    browser.find_element(By.ID, "next").click()
    wait.until(lambda d: len(texts(d, "#kwic tbody tr")) == 25 and texts(d, "#kwic tbody tr") != first_page)
    assert "page 2" in browser.find_element(By.ID, "page").text
    browser.save_screenshot(str(SHOTS / "kwic.png"))

    browser.find_element(By.CSS_SELECTOR, '.tab[data-tab="next"]').click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")) > 0)
    assert "after" in browser.find_element(By.ID, "next-note").text
    browser.save_screenshot(str(SHOTS / "next.png"))

    browser.find_element(By.CSS_SELECTOR, '.tab[data-tab="colloc"]').click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#colloc tbody tr")) > 0)

    browser.find_element(By.CSS_SELECTOR, '.tab[data-tab="kwic"]').click()
    # switching back re-renders the KWIC rows: click the first match, again if it was replaced
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#kwic tbody tr td.match").click() or True)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#profile svg polyline.h_right"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#tree svg rect"))
    assert "宝玉" in browser.find_element(By.ID, "sentence").get_attribute("value")
    assert browser.find_elements(By.CSS_SELECTOR, "#words span")
    browser.save_screenshot(str(SHOTS / "sentence.png"))
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None
    assert console_errors(browser) == []


def test_a_bad_query_shows_an_error_not_a_console_error(browser, server):
    browser.get(server + "/")
    wait = waiter(browser)
    wait.until(lambda d: "characters" in d.find_element(By.ID, "info").text)
    browser.find_element(By.ID, "width").clear()
    browser.find_element(By.ID, "width").send_keys("20")
    browser.find_element(By.ID, "q").send_keys("不在语料里")
    browser.find_element(By.ID, "go").click()
    wait.until(lambda d: d.find_element(By.ID, "count").text.startswith("0 "))
    assert browser.find_elements(By.CSS_SELECTOR, "#kwic tbody tr") == []
    browser.get(server + "/api/docs")
    wait.until(lambda d: "/api/kwic" in d.find_element(By.ID, "endpoints").text)
    browser.save_screenshot(str(SHOTS / "docs.png"))
    assert console_errors(browser) == []
