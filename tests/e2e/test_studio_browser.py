"""The studio in a real browser (Debian Chromium through Playwright) against a real `atelier serve`.

One journey, as the people who use it: a creative logs in, runs a brief to finished copy variants and
saves one to a campaign branch, uploads a picture to the library and finds it by search, and submits the
branch's new assets for review; the agency reviewer and then the brand reviewer approve them in the queue;
the brand admin merges the branch to main through the gate. Screenshots of the key pages are saved under
eval/results/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from eval.browser import DEMO_PASSWORD, Served, launch, login_token, require_studio_build, serve_studio

SHOTS = Path(__file__).resolve().parents[2] / "eval" / "results" / "screenshots"
BRANCH = "campaign-e2e"
LONG_S = 420_000  # ms: generation on a shared 2-core CPU
STEP_S = 60_000

pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_studio_build()
    with serve_studio(tmp_path_factory.mktemp("studio-e2e")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def _page(browser: Any, served: Served, *, width: int = 1280, height: int = 800) -> Any:
    context = browser.new_context(base_url=served.base_url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(STEP_S)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.wait_for_selector("body[data-ready=login]")
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_selector("body[data-ready=studio]")


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _api(served: Served, email: str) -> httpx.Client:
    token = login_token(served.base_url, email)
    return httpx.Client(base_url=served.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _poster_picture(path: Path) -> Path:
    image = Image.new("RGB", (640, 800), (250, 240, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 80, 580, 520), fill=(194, 65, 12))
    draw.ellipse((220, 560, 420, 760), fill=(30, 64, 175))
    image.save(path, "PNG")
    return path


def test_a_wrong_password_is_refused_and_the_language_switches(browser: Any, served: Served) -> None:
    page = _page(browser, served)
    page.goto("/library")  # a deep link while logged out goes to the login page
    page.wait_for_selector("body[data-ready=login]")
    assert page.url.endswith("/login")
    page.locator("#login-email").fill("demo-creative@atelier.local")
    page.locator("#login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    page.get_by_role("alert").wait_for()
    assert "错误" in page.get_by_role("alert").inner_text()
    page.get_by_role("button", name="English").click()
    assert page.get_by_label("Password").is_visible()
    _shot(page, "login")
    assert page.errors == []
    page.context.close()


def test_brief_to_review_to_merge(browser: Any, served: Served, tmp_path: Path) -> None:
    creative = _page(browser, served)
    _login(creative, "demo-creative@atelier.local")

    # 1. a brief to finished copy variants, one saved to a campaign branch
    creative.get_by_test_id("brief-product").fill("冷萃咖啡 Cold Brew")
    points = creative.get_by_test_id("brief-selling-points")
    points.click()
    creative.keyboard.type("低糖配方")
    creative.keyboard.press("Enter")
    creative.get_by_test_id("platform-xiaohongshu").check()
    creative.get_by_test_id("brief-count").fill("2")
    creative.get_by_test_id("brief-submit").click()
    creative.get_by_test_id("job-progress").wait_for()
    creative.wait_for_url(re.compile(r"job="))
    cards = creative.get_by_test_id("variant-card")
    cards.first.wait_for(timeout=LONG_S)
    assert cards.count() >= 1
    assert creative.get_by_test_id("compliance-badge").count() >= 1
    _shot(creative, "studio-variants")
    cards.first.get_by_test_id("variant-select").check()
    creative.get_by_test_id("save-to-branch").click()
    creative.get_by_test_id("save-dialog").wait_for()
    creative.get_by_test_id("branch-name").fill(BRANCH)
    creative.get_by_test_id("save-confirm").click()
    creative.get_by_test_id("save-done").wait_for()

    # 2. an upload to the library, found again by text search, opened in detail
    creative.goto("/library")
    creative.wait_for_selector("body[data-ready=library]")
    picture = _poster_picture(tmp_path / "cold-brew-poster.png")
    creative.get_by_test_id("library-upload").locator("input[type=file]").set_input_files(str(picture))
    creative.locator("[data-testid=upload-item][data-status=ready]").wait_for(timeout=STEP_S * 2)
    creative.get_by_test_id("upload-commit").click()
    uploaded = creative.locator("[data-testid=asset-card][data-path$='cold-brew-poster.png']")
    uploaded.first.wait_for(timeout=STEP_S * 3)
    upload_branch = uploaded.first.get_attribute("data-branch")
    upload_path = uploaded.first.get_attribute("data-path")
    assert upload_branch and upload_path
    creative.get_by_test_id("library-search").fill("cold-brew-poster")
    creative.get_by_test_id("library-search-submit").click()
    found = creative.locator(f"[data-testid=asset-card][data-path='{upload_path}']").first
    found.wait_for(timeout=STEP_S * 2)
    _shot(creative, "library-search")
    found.get_by_test_id("asset-open").click()
    creative.get_by_test_id("asset-detail").wait_for()
    creative.get_by_test_id("asset-history").wait_for()
    _shot(creative, "asset-detail")

    # 3. every new asset of the campaign branch goes to review
    with _api(served, "demo-creative@atelier.local") as api:
        brand_id = api.get("/v1/me").json()["grants"][0]["brand_id"]
        diff = api.get(f"/v1/brands/{brand_id}/diff", params={"from": "main", "to": BRANCH})
        assert diff.status_code == 200, diff.text
        paths = sorted({change["path"] for change in diff.json()["changes"]})
    assert paths, "the campaign branch has nothing new"
    query = "&".join([f"branch={BRANCH}"] + [f"path={p}" for p in paths])
    creative.goto(f"/reviews?{query}")
    creative.wait_for_selector("body[data-ready=reviews]")
    creative.get_by_test_id("submit-review-submit").click()
    rows = creative.get_by_test_id("review-row")
    rows.first.wait_for()
    _shot(creative, "review-submitted")
    assert creative.errors == []
    creative.context.close()

    # 4. agency, then brand approval in the queue
    steps = (
        ("demo-agency@atelier.local", "agency", "ai_checked", "agency_approved"),
        ("demo-reviewer@atelier.local", "brand", "agency_approved", "brand_approved"),
    )
    for email, level, waiting, decided in steps:
        reviewer = _page(browser, served)
        _login(reviewer, email)
        for _ in paths:
            reviewer.goto("/reviews")
            reviewer.wait_for_selector("body[data-ready=reviews]")
            row = reviewer.locator(f"[data-testid=review-row][data-state={waiting}]").first
            row.wait_for(timeout=STEP_S * 3)  # the AI check runs first; the queue refreshes itself
            row.get_by_test_id("review-claim").click()
            reviewer.locator(f"[data-testid=review-detail][data-state={waiting}]").wait_for()
            reviewer.get_by_test_id("review-approve").click()
            reason = f"{level} review: on brief, wording and claims checked"
            reviewer.get_by_test_id("review-comment").fill(reason)
            reviewer.get_by_test_id("review-decision-submit").click()
            reviewer.locator(f"[data-testid=review-detail][data-state={decided}]").wait_for()
        if level == "brand":
            reviewer.get_by_test_id("review-outcome").wait_for()
        _shot(reviewer, f"review-{level}-approved")
        assert reviewer.errors == []
        reviewer.context.close()

    # 5. the admin merges the branch through the gate
    admin = _page(browser, served)
    _login(admin, "demo-admin@atelier.local")
    admin.goto("/branches")
    admin.wait_for_selector("body[data-ready=branches]")
    admin.locator(f"[data-testid=branch-row][data-branch='{BRANCH}']").get_by_test_id("merge-button").click()
    admin.get_by_test_id("merge-preview").wait_for()  # the gate's pre-check, before anything is written
    admin.get_by_test_id("merge-confirm").click()
    result = admin.get_by_test_id("merge-result")
    result.wait_for(timeout=STEP_S * 3)  # the gate re-checks every asset of the branch on a shared 2-core CPU
    assert result.get_attribute("data-outcome") in {"fast_forward", "merge"}, result.inner_text()
    _shot(admin, "branches-merged")
    with _api(served, "demo-admin@atelier.local") as api:
        for path in paths:
            found = api.get(f"/v1/brands/{brand_id}/tree/{path}", params={"ref": "main"})
            assert found.status_code == 200, (path, found.text)
    assert admin.errors == []
    admin.context.close()
