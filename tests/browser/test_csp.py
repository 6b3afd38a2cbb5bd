"""The Content-Security-Policy in a real browser: it is enforced (an injected inline handler is refused and the
conftest's hook reports it), the admin works under it, and the behaviours moved out of inline handlers into
grassroots/app.js still work. Every other browser test also fails on any CSP refusal (tests/browser/conftest.py)."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser import conftest
from tests.browser.test_points import catalogue, log_in  # noqa: F401 - catalogue is a fixture

ADMIN_PASSWORD = "Csp-admin-e2e-2026"
def test_an_injected_inline_handler_is_refused_and_reported(live_app, phone):
    phone.goto(live_app + "/login/")
    with phone.expect_console_message(lambda m: "Content Security Policy" in m.text):
        phone.evaluate("""document.body.insertAdjacentHTML("beforeend",
                          '<img src="/static/no-such.png" onerror="document.title=\\'pwned\\'">')""")
    assert phone.title() != "pwned"
    assert any("inline event handler" in v for v in conftest._CSP_VIOLATIONS)
    conftest._CSP_VIOLATIONS.clear()  # seen on purpose; the hook's own check at teardown must still pass


def test_the_admin_works_under_the_policy(live_app, live_env, phone):
    subprocess.run([sys.executable, "-m", "grassroots.cli", "createadmin", "--username", "csp-admin",
                    "--area", "150426000000", "--password", ADMIN_PASSWORD], env=live_env, check=True,
                   stdout=subprocess.DEVNULL)
    phone.goto(live_app + "/admin/login/")
    phone.locator("#id_username").fill("csp-admin")
    phone.locator("#id_password").fill(ADMIN_PASSWORD)
    phone.locator("input[type=submit]").click()
    expect(phone.get_by_text("连心 · 基层治理平台 管理后台").first).to_be_visible()
    phone.goto(live_app + "/admin/access/user/")
    expect(phone.locator("#result_list")).to_be_visible()
    phone.locator("#result_list a[href*='/change/']").first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("账号")
    phone.goto(live_app + "/admin/demands/responsibility/add/")  # an add form: the admin's form scripts
    expect(phone.locator("#id_lead_unit")).to_be_visible()
    # any refusal on these pages fails this test at teardown (conftest's _no_csp_violations)


def test_the_language_select_still_switches_on_change(live_app, phone):
    phone.goto(live_app + "/login/")
    phone.get_by_label("Language").select_option("en")
    expect(phone.locator("html")).to_have_attribute("lang", "en")


def test_the_quantity_stepper_still_steps(live_app, catalogue, phone):  # noqa: F811 - the fixture
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/points/record/")
    phone.get_by_role("searchbox", name="找人").press_sequentially("wyb", delay=40)
    phone.locator("#people").get_by_role("link", name=re.compile("乌云毕力格")).first.click()
    phone.locator("a.rule-btn", has_text="C02 ·").click()
    quantity = phone.locator(".stepper input")
    expect(quantity).to_have_value("1")
    phone.get_by_role("button", name="加一").click()
    phone.get_by_role("button", name="加一").click()
    expect(quantity).to_have_value("3")
    phone.get_by_role("button", name="减一").click()
    expect(quantity).to_have_value("2")
    for _ in range(3):
        phone.get_by_role("button", name="减一").click()
    expect(quantity).to_have_value("1")  # never below 1


@pytest.mark.parametrize("answer", ["dismiss", "accept"])
def test_a_confirm_question_still_guards_its_form(live_app, phone, answer):
    """data-confirm (was onsubmit="return confirm(…)"): 取消 sends nothing, 确定 submits."""
    phone.goto(live_app + "/login/")
    phone.evaluate("""() => {
        const f = document.createElement("form");
        f.method = "get"; f.action = "/login/"; f.setAttribute("data-confirm", "确定？");
        f.innerHTML = '<input type="hidden" name="asked" value="1"><button id="go">go</button>';
        document.querySelector("main").append(f);
    }""")
    phone.once("dialog", lambda d: d.dismiss() if answer == "dismiss" else d.accept())
    phone.locator("#go").click()
    if answer == "accept":
        expect(phone).to_have_url(re.compile(r"asked=1"))
    else:
        expect(phone.locator("#go")).to_be_visible()
        assert "asked=1" not in phone.url
