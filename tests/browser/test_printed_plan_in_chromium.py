import re

import pytest
from playwright.sync_api import expect

from reintegra.cases import services as case_services
from reintegra.plans import services as plan_services

from ..cases.conftest import IDENTITY
from ..conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-secret-pass"
THAI_FONTS = re.compile(
    rb"/(?:BaseFont|FontName)\s*/[A-Z]{6}\+([A-Za-z-]*(?:Loma|Garuda|Kinnari|Norasi|Sawasdee|"
    rb"Umpush|Waree|Tlwg|Laksaman|Purisa|Thai|Sarabun|Leelawadee|Thonburi)[A-Za-z-]*)"
)


def test_the_printed_plan_renders_thai_text_with_a_thai_font(live_server, page, network):
    caseworker = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=caseworker, **IDENTITY)
    plan_services.priorities_record(
        actor=caseworker, case=case, ranking=["income", "debt"], words={"income": "อยากมีรายได้ทุกเดือน"}
    )
    plan = plan_services.plan_start(actor=caseworker, case=case)
    plan_services.plan_update(actor=caseworker, plan=plan, version=plan.version, language="th")
    plan_services.goal_add(
        actor=caseworker, plan=plan, domain="economic", description="ทำงานเป็นช่างไฟฟ้าใกล้บ้าน", priorities=["income"]
    )

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "kanya")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{live_server.url}/cases/{case.code}/plan/print/")
    expect(page.locator("h1")).to_contain_text("แผน")  # the heading itself is in Thai
    expect(page.locator("main")).to_contain_text("ทำงานเป็นช่างไฟฟ้าใกล้บ้าน")
    expect(page.locator("main")).to_contain_text("อยากมีรายได้ทุกเดือน")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    fonts = {m.decode() for m in THAI_FONTS.findall(pdf)}
    assert fonts, "the PDF embeds no Thai font: Thai would print as boxes"
