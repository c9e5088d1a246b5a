"""The admin API for pricing rules and product overrides (issue 12)."""

from __future__ import annotations

import pytest
from tests.support.web_harness import ADMIN_TOKEN, Harness, make_harness

from pricing_core.decision import DecisionStatus
from pricing_core.settings import TenantSettings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PERFUME = {"name": "عطور", "priority": 2, "match": {"categories": ["7"], "price_min": "10.50"},
           "settings": {"min_profit_margin": "25"}}
CLEARANCE = {"name": "clearance", "priority": 5, "match": {"tags": ["sale"]}, "settings": {"strategy": "beat_percent",
                                                                                           "strategy_value": "3"}}


@pytest.fixture
def web() -> Harness:
    web = make_harness()
    web.add_decisions("100", ("d1", DecisionStatus.PENDING))
    return web


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/stores/100/rules"), ("PUT", "/stores/100/rules"), ("GET", "/stores/100/overrides/p1"),
    ("PUT", "/stores/100/overrides/p1"), ("DELETE", "/stores/100/overrides/p1"),
])
def test_the_routes_need_the_bearer_token(web: Harness, method: str, path: str) -> None:
    response = web.client.request(method, path, json={"rules": []})
    assert response.status_code == 401


def test_put_then_get_rules_in_precedence_order(web: Harness) -> None:
    assert web.client.get("/stores/100/rules", headers=AUTH).json() == {"rules": []}
    put = web.client.put("/stores/100/rules", headers=AUTH, json={"rules": [PERFUME, CLEARANCE]})
    assert put.status_code == 200, put.text
    names = [r["name"] for r in put.json()["rules"]]
    assert names == ["clearance", "عطور"]
    got = web.client.get("/stores/100/rules", headers=AUTH).json()["rules"]
    assert got[1] == {"name": "عطور", "priority": 2, "settings": {"min_profit_margin": "25"},
                      "match": {"categories": ["7"], "brands": [], "tags": [], "skus": [], "product_ids": [],
                                "price_min": "10.50", "price_max": None}}
    assert web.client.put("/stores/100/rules", headers=AUTH, json={"rules": []}).json() == {"rules": []}


@pytest.mark.parametrize(("rule", "field"), [
    ({"name": "x", "settings": {"min_margin": 5}}, "rules[1].settings.min_margin"),
    ({"name": "x", "settings": {"max_change_pct": 0}}, "rules[1].settings.max_change_pct"),
    ({"name": " "}, "rules[1].name"),
    ({"name": "x", "priority": True}, "rules[1].priority"),
    ({"name": "x", "match": {"categories": "7"}}, "rules[1].match.categories"),
    ({"name": "x", "match": {"price_min": 10}}, "rules[1].match.price_min"),
    ({"name": "x", "match": {"colour": ["red"]}}, "rules[1].match.colour"),
    ({"name": "x", "extra": 1}, "rules[1].extra"),
])
def test_a_refused_rule_names_its_field_and_changes_nothing(web: Harness, rule: dict, field: str) -> None:
    web.client.put("/stores/100/rules", headers=AUTH, json={"rules": [PERFUME]})
    response = web.client.put("/stores/100/rules", headers=AUTH, json={"rules": [CLEARANCE, rule]})
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert [r["name"] for r in web.client.get("/stores/100/rules", headers=AUTH).json()["rules"]] == ["عطور"]


def test_rules_are_checked_against_the_store_settings_and_names_are_unique(web: Harness) -> None:
    with web.uow_factory("100") as uow:
        uow.store.settings.save(TenantSettings(max_price="50"))
        uow.commit()
    clash = web.client.put("/stores/100/rules", headers=AUTH, json={"rules": [{"name": "x", "settings": {
        "min_price": "80"}}]})
    assert clash.status_code == 422 and "conflicts with the store settings" in clash.json()["message"]
    twice = web.client.put("/stores/100/rules", headers=AUTH, json={"rules": [{"name": "x"}, {"name": "x"}]})
    assert twice.status_code == 422 and "rules[1].name" in twice.json()["errors"]


def test_bad_bodies_and_unknown_store(web: Harness) -> None:
    assert web.client.put("/stores/100/rules", headers=AUTH, content=b"{").status_code == 400
    assert web.client.put("/stores/100/rules", headers=AUTH, json=[]).status_code == 422
    assert web.client.put("/stores/100/rules", headers=AUTH, content=b"x" * 70_000).status_code == 413
    assert web.client.get("/stores/nope/rules", headers=AUTH).status_code == 404
    assert web.client.put("/stores/nope/rules", headers=AUTH, json={"rules": []}).status_code == 404
    assert web.client.put("/stores/nope/overrides/p1", headers=AUTH, json={}).status_code == 404


def test_override_put_get_delete(web: Harness) -> None:
    assert web.client.get("/stores/100/overrides/p1", headers=AUTH).status_code == 404
    body = {"cost_price": "35.50", "map_price": "60", "excluded": False}
    put = web.client.put("/stores/100/overrides/p1", headers=AUTH, json=body)
    assert put.status_code == 200, put.text
    expected = {"product_id": "p1", "excluded": False, "fixed_price": None, "cost_price": "35.50", "min_price": None,
                "max_price": None, "map_price": "60"}
    assert put.json() == expected
    assert web.client.get("/stores/100/overrides/p1", headers=AUTH).json() == expected
    # PUT replaces: what the body leaves out is cleared.
    web.client.put("/stores/100/overrides/p1", headers=AUTH, json={"excluded": True})
    assert web.client.get("/stores/100/overrides/p1", headers=AUTH).json()["cost_price"] is None
    assert web.client.delete("/stores/100/overrides/p1", headers=AUTH).status_code == 204
    assert web.client.delete("/stores/100/overrides/p1", headers=AUTH).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"cost_price": 35}, "cost_price"), ({"cost_price": "abc"}, "cost_price"), ({"fixed_price": "0"}, "fixed_price"),
    ({"min_price": "10", "max_price": "5"}, "min_price"), ({"excluded": "yes"}, "excluded"),
    ({"colour": "x"}, "colour"),
])
def test_a_refused_override_names_its_field(web: Harness, body: dict, field: str) -> None:
    response = web.client.put("/stores/100/overrides/p1", headers=AUTH, json=body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert web.client.get("/stores/100/overrides/p1", headers=AUTH).status_code == 404


def test_openapi_documents_the_new_routes(web: Harness) -> None:
    paths = web.client.get("/openapi.json").json()["paths"]
    assert set(paths["/stores/{store_id}/rules"]) == {"get", "put"}
    assert {"get", "put", "delete"} <= set(paths["/stores/{store_id}/overrides/{product_id}"])
