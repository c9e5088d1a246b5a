"""The settings page's notifications group: a store's own alert targets (checked, masked, removable),
their language and kinds, and the test alert target by target, in English and Arabic."""

from __future__ import annotations

import re

import pytest
from tests.support.web_harness import Harness, make_harness

from adapters.alerts import AppriseNotifier, MemoryNotifier
from adapters.alerts.targets import TargetGuard
from pricing_core.alert_settings import AlertLanguage, StoreAlertSettings, target_id
from pricing_core.alerts import AlertKind

DNS = {"hooks.example.com": ["93.184.216.34"], "rebind.example": ["10.0.0.7"]}
SECRET_URL = "jsons://user:SECRET-1@hooks.example.com/alerts"
BOT = "tgram://123456789:BOT-SECRET/42"


def fake_resolve(host: str) -> list[str]:
    if host not in DNS:
        raise OSError(host)
    return DNS[host]


@pytest.fixture
def web() -> Harness:
    web = make_harness()
    web.services.store_notifier = AppriseNotifier((), public_url="http://testserver",
                                                  guard=TargetGuard(resolve=fake_resolve))
    return web


def saved(web: Harness, store_id: str) -> StoreAlertSettings:
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        return uow.store.alerts.get()


def form(token: str, **fields: object) -> dict[str, object]:
    return {"csrf_token": token, "action": "save", "alerts_form": "1", **fields}


def test_targets_are_added_masked_and_removed_language_and_kinds_saved(web: Harness) -> None:
    mine, theirs = web.merchant_ids()[:2]
    browser = web.install(mine)
    web.install(theirs)
    base = f"/dashboard/stores/{mine}/settings"
    page = browser.get(base).text
    assert 'id="group-alerts"' in page and "Notifications" in page and 'id="alert-targets-none"' in page
    token = web.csrf(browser, base)
    kinds = ["run_failed", "token_revoked", "not_a_kind"]
    done = browser.post(base, data=form(token, alert_targets_new=f"{SECRET_URL}\n\n{BOT}\n", alert_language="ar",
                                        alert_kinds=kinds), follow_redirects=True)
    assert done.status_code == 200
    stored = saved(web, mine)
    assert stored.targets == (SECRET_URL, BOT) and stored.language is AlertLanguage.AR
    assert stored.kinds == {AlertKind.RUN_FAILED, AlertKind.TOKEN_REVOKED}
    assert saved(web, theirs) == StoreAlertSettings()  # another store's settings are untouched
    page = browser.get(base).text
    assert "jsons://•••@hooks.example.com/•••" in page and "tgram://123•••/•••" in page
    assert "SECRET" not in page
    assert re.search(r'value="run_failed"\s+checked', page) and not re.search(r'value="below_floor"\s+checked', page)
    # Ticking a target removes it; the rest stays.
    browser.post(base, data=form(token, alert_target_remove=target_id(BOT), alert_language="ar",
                                 alert_kinds=["run_failed"]))
    assert saved(web, mine).targets == (SECRET_URL,)


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["points to an internal or private network address", "this kind of target is not allowed",
            "its host name cannot be found"]),
    ("ar", ["يشير إلى عنوان شبكة داخلية أو خاصة", "هذا النوع من الوجهات غير مسموح", "تعذّر العثور على اسم المضيف"]),
])
def test_internal_local_and_unknown_targets_are_refused_in_the_merchants_words(
    web: Harness, lang: str, words: list[str],
) -> None:
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    base = f"/dashboard/stores/{mine}/settings"
    browser.get(f"/lang/{lang}")
    token = web.csrf(browser, base)
    typed = "json://169.254.169.254/latest\nwindows://\njson://nowhere.example/x\njson://rebind.example/x"
    refused = browser.post(base, data=form(token, alert_targets_new=typed, alert_language="en",
                                           min_profit_margin="33"))
    assert refused.status_code == 400
    for word in words:
        assert word in refused.text
    assert "json://169.254.169.254/•••" in refused.text and "json://rebind.example/•••" in refused.text
    assert saved(web, mine) == StoreAlertSettings()  # nothing saved...
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and str(uow.store.settings.get().min_profit_margin) != "33"  # ...at all


def test_the_private_targets_setting_lets_a_self_hosted_receiver_in(web: Harness) -> None:
    web.services.store_notifier = AppriseNotifier((), public_url="http://testserver",
                                                  guard=TargetGuard(allow_private=True, resolve=fake_resolve))
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    base = f"/dashboard/stores/{mine}/settings"
    token = web.csrf(browser, base)
    assert browser.post(base, data=form(token, alert_targets_new="json://127.0.0.1:9000/hook"),
                        follow_redirects=False).status_code == 303
    assert saved(web, mine).targets == ("json://127.0.0.1:9000/hook",)


@pytest.mark.parametrize(("lang", "sent", "refused"), [
    ("en", "jsons://•••@hooks.example.com/•••: sent", "points to an internal or private network address"),
    ("ar", "jsons://•••@hooks.example.com/•••: أُرسل", "يشير إلى عنوان شبكة داخلية أو خاصة"),
])
def test_the_test_alert_says_what_happened_to_each_target(web: Harness, lang: str, sent: str, refused: str) -> None:
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    web.services.store_notifier = MemoryNotifier(refused={"json://10.0.0.9/x": "internal"})
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.alerts.save(StoreAlertSettings(targets=(SECRET_URL, "json://10.0.0.9/x"), language=AlertLanguage.EN))
        uow.commit()
    base = f"/dashboard/stores/{mine}/settings"
    browser.get(f"/lang/{lang}")
    token = web.csrf(browser, base)
    page = browser.post(f"{base}/test-alert", data={"csrf_token": token}, follow_redirects=True).text
    assert sent in page and refused in page and "SECRET" not in page
    [(batch, _)] = web.services.store_notifier.sent_to
    assert batch.language == "en"  # the store's alert language, whatever the page's


def test_the_notifications_group_reads_in_arabic(web: Harness) -> None:
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    browser.get("/lang/ar")
    page = browser.get(f"/dashboard/stores/{mine}/settings").text
    for word in ("التنبيهات", "إضافة وجهات", "لغة التنبيهات", "عربي وإنجليزي", "تغييرات أسعار بانتظار موافقتك"):
        assert word in page


def test_an_invalid_pricing_field_saves_nothing_of_the_form_not_even_the_targets(web: Harness) -> None:
    """All or nothing: the page comes back with the field's error and the targets are not stored."""
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    base = f"/dashboard/stores/{mine}/settings"
    token = web.csrf(browser, base)
    page = browser.post(base, data=form(token, alert_targets_new=SECRET_URL, alert_language="ar",
                                        min_profit_margin="-5"))
    assert page.status_code == 400
    assert saved(web, mine) == StoreAlertSettings()
