"""Dashboard forms take text only: a file where text is expected, or a body too large, is a clear 4xx.

Black box over HTTP: a merchant's browser session posts multipart forms to the store's settings,
review and logout actions.
"""

from __future__ import annotations

import html
import re

import pytest
from tests.support.web_harness import Harness, make_harness

from pricing_core.settings import MAX_NAME_LENGTH, MAX_OWN_STORE_NAMES


@pytest.fixture
def merchant() -> tuple[Harness, str, object]:
    web = make_harness()
    store_id = web.merchant_ids()[0]
    return web, store_id, web.install(store_id)


def settings_of(web: Harness, store_id: str):  # type: ignore[no-untyped-def]
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        return uow.store.settings.get()


def field_error(page: str, field: str) -> str:
    """The inline error shown under ``field`` in the settings form."""
    match = re.search(rf'class="field-error" id="e-{field}">([^<]+)<', page)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("field", ["reference_competitor", "own_store_names", "min_profit_margin", "csrf_token"])
def test_a_file_in_a_settings_field_is_a_400_naming_the_field(merchant, field: str) -> None:  # type: ignore[no-untyped-def]
    web, store_id, browser = merchant
    path = f"/dashboard/stores/{store_id}/settings"
    before = settings_of(web, store_id)
    data = {"csrf_token": web.csrf(browser, path), "reference": "competitor", "reference_competitor": "noon"}
    data.pop(field, None)
    response = browser.post(path, data=data, files={field: ("name.txt", b"amazon.sa", "text/plain")},
                            follow_redirects=False)
    assert response.status_code == 400
    assert f"{field}: a file was sent where text is expected" in response.text
    assert settings_of(web, store_id) == before          # nothing saved, no UploadFile repr anywhere


def test_a_file_in_a_review_form_is_a_400_and_nothing_is_approved(merchant) -> None:  # type: ignore[no-untyped-def]
    from pricing_core.decision import DecisionStatus

    web, store_id, browser = merchant
    web.add_decisions(store_id, ("d1", DecisionStatus.PENDING))
    token = web.csrf(browser, f"/dashboard/stores/{store_id}/approvals")
    response = browser.post(f"/dashboard/stores/{store_id}/decisions/review",
                            data={"csrf_token": token, "action": "approve"},
                            files={"decision_id": ("ids.txt", b"d1", "text/plain")}, follow_redirects=False)
    assert response.status_code == 400 and "decision_id: a file was sent" in response.text
    assert web.status_of(store_id, "d1") is DecisionStatus.PENDING


def test_two_files_or_a_huge_body_are_refused_too(merchant) -> None:  # type: ignore[no-untyped-def]
    web, store_id, browser = merchant
    path = f"/dashboard/stores/{store_id}/settings"
    token = web.csrf(browser, path)
    two = browser.post(path, data={"csrf_token": token},
                       files=[("a", ("a.txt", b"1", "text/plain")), ("b", ("b.txt", b"2", "text/plain"))],
                       follow_redirects=False)
    assert two.status_code == 400 and "could not be read" in two.text
    huge = browser.post(path, data={"csrf_token": token},
                        files={"reference_competitor": ("big.bin", b"x" * (300 * 1024), "application/octet-stream")},
                        follow_redirects=False)
    assert huge.status_code == 413
    logout = browser.post("/logout", files={"csrf_token": ("t.txt", b"x", "text/plain")}, follow_redirects=False)
    assert logout.status_code == 400 and "csrf_token: a file" in logout.text


def test_a_multipart_form_of_text_fields_still_saves(merchant) -> None:  # type: ignore[no-untyped-def]
    web, store_id, browser = merchant
    path = f"/dashboard/stores/{store_id}/settings"
    fields = {"csrf_token": web.csrf(browser, path), "reference": "competitor", "reference_competitor": "noon.com"}
    multipart = {name: (None, value) for name, value in fields.items()}   # text parts, no filename
    response = browser.post(path, files=multipart, follow_redirects=False)
    assert response.status_code == 303
    assert settings_of(web, store_id).reference_competitor == "noon.com"


def test_settings_text_fields_have_length_limits(merchant) -> None:  # type: ignore[no-untyped-def]
    web, store_id, browser = merchant
    path = f"/dashboard/stores/{store_id}/settings"
    before = settings_of(web, store_id)

    def save(**fields: str):  # type: ignore[no-untyped-def]
        return browser.post(path, data={"csrf_token": web.csrf(browser, path), **fields}, follow_redirects=False)

    long_name = save(reference="competitor", reference_competitor="x" * (MAX_NAME_LENGTH + 1))
    assert long_name.status_code == 400
    assert "at most 255 characters" in field_error(long_name.text, "reference_competitor")
    many = save(own_store_names=", ".join(f"store {i}" for i in range(MAX_OWN_STORE_NAMES + 1)))
    assert many.status_code == 400 and "at most 50" in field_error(many.text, "own_store_names")
    one_long = save(own_store_names="mine, " + "y" * (MAX_NAME_LENGTH + 1))
    assert one_long.status_code == 400 and "at most 255 characters" in field_error(one_long.text, "own_store_names")
    control = save(reference="competitor", reference_competitor="noon\x00")
    assert control.status_code == 400 and "one line" in field_error(control.text, "reference_competitor")
    assert settings_of(web, store_id) == before

    assert save(reference="competitor", reference_competitor="n" * MAX_NAME_LENGTH).status_code == 303
    assert save(own_store_names=", ".join(f"store {i}" for i in range(MAX_OWN_STORE_NAMES))).status_code == 303
    saved = settings_of(web, store_id)
    assert saved.reference_competitor == "n" * MAX_NAME_LENGTH and len(saved.own_store_names) == MAX_OWN_STORE_NAMES
