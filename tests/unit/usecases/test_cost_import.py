"""Cost sheets: reading the file, validating every line, all or nothing, the CLI (issue 12)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.config import Config
from adapters.cost_sheet import read_sheet, write_sheet
from adapters.services import Services
from bootstrap import build_services
from entrypoints.cli import cost_commands, main
from pricing_core.catalog import Product
from pricing_core.overrides import ProductOverride
from pricing_core.usecases.cost_import import (
    EXPORT_COLUMNS,
    SheetError,
    export_costs,
    import_costs,
    read_amount,
)

D = Decimal


@pytest.mark.parametrize(("text", "amount"), [
    ("35", D("35")), (" 35.50 ", D("35.50")), ("٣٥٫٥٠", D("35.50")), ("۳۵", D("35")), ("١٬٢٥٠٫٧٥", D("1250.75")),
    ("12,5", D("12.5")), ("12,50", D("12.50")), ("1,250.00", D("1250.00")), ("", None), ("  ", None),
])
def test_amounts_in_the_spellings_merchants_use(text: str, amount: Decimal | None) -> None:
    assert read_amount(text) == amount


@pytest.mark.parametrize("text", ["1,250", "abc", "12.5.1", "1,2,3", "nan", "inf"])
def test_ambiguous_or_broken_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        read_amount(text)


def test_sheet_with_bom_semicolons_and_arabic_text() -> None:
    data = "\ufeffSKU;Name;Cost Price;excluded\r\nعطر-1;عطر العود;٣٥٫٥;لا\r\n\r\nB-2;\"a;b\";40;yes\r\n".encode()
    columns, lines = read_sheet(data)
    assert columns == ["sku", "name", "cost_price", "excluded"]
    assert [(line.number, dict(line.cells)) for line in lines] == [
        (2, {"sku": "عطر-1", "name": "عطر العود", "cost_price": "٣٥٫٥", "excluded": "لا"}),
        (4, {"sku": "B-2", "name": "a;b", "cost_price": "40", "excluded": "yes"}),
    ]


def test_sheet_problems() -> None:
    with pytest.raises(SheetError, match="UTF-8"):
        read_sheet("sku;cost_price\nعطر;35\n".encode("cp1256"))
    with pytest.raises(SheetError, match="empty"):
        read_sheet(b"")
    with pytest.raises(SheetError, match="twice"):
        read_sheet(b"sku,sku\n")
    _, lines = read_sheet(b"sku,cost_price\nA,12,50\n")  # a decimal comma in a comma-separated file
    assert lines[0].problem is not None and "3 cells for 2 columns" in lines[0].problem


def test_write_then_read_round_trips() -> None:
    rows = [{"product_id": "1", "sku": "عطر;1", "name": 'a "b"', "cost_price": "35"}]
    data = write_sheet(rows, EXPORT_COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    columns, lines = read_sheet(data)
    assert columns == list(EXPORT_COLUMNS)
    cells = lines[0].cells
    assert (cells["sku"], cells["name"], cells["cost_price"]) == ("عطر;1", 'a "b"', "35")


def dup(pid: str) -> Product:
    return attrs.evolve(product(pid, "50"), sku="DUP")


@pytest.fixture
def ports() -> Ports:
    p = make_ports()
    add_store(p, "1", [])
    with p.uow_factory("1") as uow:
        uow.store.products.upsert_many([product("10", "100", cost=None), product("11", "80", cost="30"),
                                        dup("12"), dup("13")],
                                       seen_at=p.clock.now())
        uow.store.overrides.upsert_many([ProductOverride(product_id="11", min_price="60", map_price="65")])
        uow.commit()
    return p


def stored(p: Ports) -> dict[str, ProductOverride]:
    with p.uow_factory("1") as uow:
        return {o.product_id: o for o in uow.store.overrides.list(limit=100)}


def sheet(text: str):  # type: ignore[no-untyped-def]
    return read_sheet(text.encode("utf-8-sig"))


def test_import_applies_every_line_and_keeps_the_columns_it_lacks(ports: Ports) -> None:
    before = stored(ports)
    columns, lines = sheet("sku;cost_price;max_price\nSKU-10;٣٥;150\nSKU-11;31,5;\n")
    result = import_costs(ports.uow_factory, "1", columns, lines)
    assert result.ok and result.applied
    after = stored(ports)
    assert after["10"] == ProductOverride(product_id="10", cost_price="35", max_price="150")
    # 11 keeps its min and MAP (no such columns) and gets a cost; the empty max_price cell clears nothing set.
    assert after["11"] == ProductOverride(product_id="11", cost_price="31.5", min_price="60", map_price="65")
    assert [c.before for c in result.changes] == [None, before["11"]]


def test_one_bad_line_rejects_the_whole_sheet_with_every_reason(ports: Ports) -> None:
    before = stored(ports)
    text = ("product_id;sku;cost_price;excluded;min_price;max_price\n"
            "10;;35;no;;\n"              # fine
            "99;;35;no;;\n"              # unknown id
            ";NOPE;35;no;;\n"            # unknown SKU
            ";DUP;35;no;;\n"             # SKU of two products
            "11;;abc;no;;\n"             # not a number
            "10;;36;no;;\n"              # the same product again
            "12;;1,250;maybe;;\n"        # ambiguous number (the first error of the line is reported)
            ";;35;no;;\n"                # no product named
            "13;;30;no;90;80\n")         # min above max
    columns, lines = sheet(text)
    result = import_costs(ports.uow_factory, "1", columns, lines)
    assert not result.ok and not result.applied
    reasons = {e.line: e.reason for e in result.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "no product 99" in reasons[3] and "NOPE" in reasons[4] and "2 products" in reasons[5]
    assert "cost_price" in reasons[6] and "already set on line 2" in reasons[7]
    assert "ambiguous" in reasons[8] and "neither product_id nor sku" in reasons[9] and "min_price" in reasons[10]
    assert stored(ports) == before  # nothing changed, not even line 2


def test_dry_run_reports_and_changes_nothing(ports: Ports) -> None:
    before = stored(ports)
    columns, lines = sheet("product_id,excluded,fixed_price\n10,yes,\n12,no,49.95\n")
    result = import_costs(ports.uow_factory, "1", columns, lines, dry_run=True)
    assert result.ok and not result.applied and len(result.changes) == 2
    assert result.changes[0].after.excluded and result.changes[1].after.fixed_price == D("49.95")
    assert stored(ports) == before


def test_header_without_a_product_or_a_value_column_is_refused(ports: Ports) -> None:
    with pytest.raises(SheetError, match="product_id or a sku"):
        import_costs(ports.uow_factory, "1", *sheet("name;cost_price\nx;1\n"))
    with pytest.raises(SheetError, match="sets nothing"):
        import_costs(ports.uow_factory, "1", *sheet("sku;name\nx;1\n"))


def test_export_lists_every_product_and_importing_it_changes_nothing(ports: Ports) -> None:
    rows = export_costs(ports.uow_factory, "1", page=3)
    assert [r["product_id"] for r in rows] == ["10", "11", "12", "13"]
    assert rows[1] | {} == {"product_id": "11", "sku": "SKU-11", "name": "Product 11", "salla_cost_price": "30",
                            "cost_price": "", "min_price": "60", "max_price": "", "map_price": "65",
                            "excluded": "no", "fixed_price": ""}
    columns, lines = read_sheet(write_sheet(rows, EXPORT_COLUMNS))
    result = import_costs(ports.uow_factory, "1", columns, lines)
    assert result.ok and not any(c.changes_anything for c in result.changes)


@pytest.fixture
def cli(ports: Ports, monkeypatch: pytest.MonkeyPatch) -> Ports:
    def services() -> Services:
        return build_services(Config(), uow_factory=ports.uow_factory, locks=ports.locks, clock=ports.clock,
                              salla_auth=ports.salla_auth, salla_catalog=ports.salla_catalog,
                              competitors=ports.competitors, advisor=None)

    monkeypatch.setattr(cost_commands, "_services", services)
    return ports


def test_cli_import_reports_lines_and_exits_non_zero_on_a_rejected_line(
    cli: Ports, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes("\ufeffsku;cost_price\nSKU-10;35\nSKU-99;40\n".encode())
    assert main(["costs", "import", "1", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "line 3: rejected: no product with SKU 'SKU-99'" in err and "nothing applied" in out
    assert "10" not in stored(cli)
    good = tmp_path / "good.csv"
    good.write_bytes("\ufeffsku;cost_price\nSKU-10;35\n".encode())
    assert main(["costs", "import", "1", str(good), "--dry-run"]) == 0
    assert "line 2: product 10: (none) -> cost_price=35" in capsys.readouterr().out and "10" not in stored(cli)
    assert main(["costs", "import", "1", str(good)]) == 0
    assert "applied" in capsys.readouterr().out and stored(cli)["10"].cost_price == D("35")
    assert main(["costs", "import", "nope", str(good)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["costs", "import", "1", str(tmp_path / "missing.csv")]) == 1


def test_cli_export(cli: Ports, tmp_path: Path) -> None:
    target = tmp_path / "costs.csv"
    assert main(["costs", "export", "1", str(target)]) == 0
    columns, lines = read_sheet(target.read_bytes())
    assert columns == list(EXPORT_COLUMNS) and len(lines) == 4
