"""Costs and per-product limits from a merchant's sheet: validated line by line, applied all or nothing.

Most Salla products have no ``cost_price``, and a product without a cost is never lowered
automatically; this is how a merchant fills the gap in bulk. Each line names a product by
``product_id`` or ``sku`` and sets any of ``cost_price``, ``min_price``, ``max_price``,
``map_price``, ``excluded`` and ``fixed_price``. The columns a sheet has replace the product's
override values (an empty cell clears one); the columns it lacks keep them. One bad line
rejects the whole sheet, so a half-imported file never prices anything; the report lists
every line's error with its number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from pricing_core.money import MoneyError, to_decimal
from pricing_core.overrides import InvalidOverride, ProductOverride
from pricing_core.ports import UnitOfWorkFactory, scope_of

VALUE_COLUMNS = ("cost_price", "min_price", "max_price", "map_price", "excluded", "fixed_price")
KEY_COLUMNS = ("product_id", "sku")
# Shown in an export for the merchant's convenience; an import ignores them.
INFO_COLUMNS = ("name", "salla_cost_price")
EXPORT_COLUMNS = ("product_id", "sku", "name", "salla_cost_price", *VALUE_COLUMNS)

_TRUE = frozenset({"1", "true", "yes", "y", "x", "نعم"})
_FALSE = frozenset({"", "0", "false", "no", "n", "لا"})
# Arabic decimal and thousands separators, and Persian/Urdu digits' look-alike separators.
_SEPARATORS = str.maketrans({"٫": ".", "٬": ",", "،": ","})
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")


class SheetError(ValueError):
    """The sheet as a whole cannot be read (no header, no key column, unknown columns)."""


@attrs.frozen
class SheetLine:
    """One data line of a sheet: its line number in the file, its cells by column name, and a reading problem."""

    number: int
    cells: Mapping[str, str]
    problem: str | None = None


@attrs.frozen
class LineError:
    """Why a line was rejected."""

    line: int
    reason: str


@attrs.frozen
class OverrideChange:
    """What a line changes: the product's override before (None: it had none) and after."""

    line: int
    product_id: str
    before: ProductOverride | None
    after: ProductOverride

    @property
    def changes_anything(self) -> bool:
        """False when the line restates what is stored."""
        empty = ProductOverride(product_id=self.product_id)
        return self.after != (self.before or empty)


@attrs.frozen
class CostImport:
    """The outcome: every line's change, the rejected lines, and whether anything was written."""

    changes: tuple[OverrideChange, ...]
    errors: tuple[LineError, ...]
    applied: bool
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no line was rejected."""
        return not self.errors


def read_amount(text: str) -> Decimal | None:
    """A merchant's number: Arabic-Indic digits, Arabic separators, ``1,234.50`` or ``12,50``; None when empty.

    A comma is read as a decimal comma only when one or two digits follow it (``12,5``), and as
    thousands grouping only in groups of three before an optional point (``1,250.00``); anything
    else with a comma (``1,250`` could be either) is refused rather than guessed.
    """
    raw = text.strip().translate(_SEPARATORS).replace("\u00a0", "").replace(" ", "")
    if not raw:
        return None
    digits = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in raw)  # ٣٥ -> 35, ۳۵ -> 35
    if "," in digits:
        if _DECIMAL_COMMA.match(digits):
            digits = digits.replace(",", ".")
        elif _GROUPED.match(digits) and "." in digits:
            digits = digits.replace(",", "")
        else:
            raise ValueError(f"ambiguous number {text.strip()!r}: write it as 1250.00 or 12.50")
    try:
        return to_decimal(digits)
    except MoneyError as exc:
        raise ValueError(f"not a number: {text.strip()!r}") from exc


def _flag(text: str) -> bool:
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"excluded must be yes or no, got {text.strip()!r}")


def check_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns an import ignores; ``SheetError`` when the sheet names no product or sets nothing."""
    if not any(c in KEY_COLUMNS for c in columns):
        raise SheetError("the sheet needs a product_id or a sku column")
    if not any(c in VALUE_COLUMNS for c in columns):
        raise SheetError("the sheet sets nothing: add one of " + ", ".join(VALUE_COLUMNS))
    return tuple(c for c in columns if c not in (*KEY_COLUMNS, *VALUE_COLUMNS, *INFO_COLUMNS))


def _values(cells: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for column in VALUE_COLUMNS:
        if column not in cells:
            continue
        try:
            out[column] = _flag(cells[column]) if column == "excluded" else read_amount(cells[column])
        except ValueError as exc:
            raise InvalidOverride(column, str(exc)) from exc
    return out


def import_costs(
    uow_factory: UnitOfWorkFactory, store_id: str, columns: Sequence[str], lines: Sequence[SheetLine],
    *, dry_run: bool = False,
) -> CostImport:
    """Validate every line, and unless ``dry_run`` or any line is rejected, store all the overrides at once.

    Raises ``SheetError`` for a sheet without a usable header (nothing is written).
    """
    ignored = check_columns(columns)
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        skus = sorted({line.cells.get("sku", "").strip() for line in lines} - {""})
        by_sku = scope.products.ids_by_sku(skus) if skus else {}
        ids = sorted({line.cells.get("product_id", "").strip() for line in lines} - {""})
        known = set(scope.products.get_many(ids)) if ids else set()
        resolved: list[tuple[SheetLine, str]] = []
        errors: list[LineError] = []
        for line in lines:
            if line.problem is not None:
                errors.append(LineError(line.number, line.problem))
                continue
            pid, error = _product_of(line, by_sku, known)
            if error is not None:
                errors.append(LineError(line.number, error))
            else:
                assert pid is not None
                resolved.append((line, pid))
        stored = scope.overrides.get_many(sorted({pid for _, pid in resolved}))
        changes: list[OverrideChange] = []
        seen: dict[str, int] = {}
        for line, pid in resolved:
            if pid in seen:
                errors.append(LineError(line.number, f"product {pid} is already set on line {seen[pid]}"))
                continue
            seen[pid] = line.number
            before = stored.get(pid)
            try:
                base = attrs.asdict(before) if before is not None else {"product_id": pid}
                after = ProductOverride(**{**base, **_values(line.cells)})
            except InvalidOverride as exc:
                errors.append(LineError(line.number, str(exc)))
                continue
            changes.append(OverrideChange(line.number, pid, before, after))
        errors.sort(key=lambda e: e.line)
        apply = not errors and not dry_run
        if apply:
            scope.overrides.upsert_many([c.after for c in changes if c.changes_anything])
            uow.commit()
    return CostImport(changes=tuple(changes), errors=tuple(errors), applied=apply, ignored_columns=ignored)


def _product_of(line: SheetLine, by_sku: Mapping[str, Sequence[str]], known: set[str]) -> tuple[str | None, str | None]:
    pid = line.cells.get("product_id", "").strip()
    sku = line.cells.get("sku", "").strip()
    if pid:
        if pid not in known:
            return None, f"no product {pid} in the store's catalog (the catalog is read by each sweep)"
        return pid, None
    if not sku:
        return None, "neither product_id nor sku is given"
    matches = by_sku.get(sku, ())
    if not matches:
        return None, f"no product with SKU {sku!r} in the store's catalog"
    if len(matches) > 1:
        return None, f"SKU {sku!r} belongs to {len(matches)} products ({', '.join(matches)}): use product_id"
    return matches[0], None


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def export_costs(uow_factory: UnitOfWorkFactory, store_id: str, *, page: int = 1000) -> list[dict[str, str]]:
    """Every stored product with its override values, as sheet rows (``EXPORT_COLUMNS``), by product id.

    ``salla_cost_price`` is the cost Salla has (information only); ``cost_price`` is the
    merchant's override. Importing the export unchanged changes nothing.
    """
    rows: list[dict[str, str]] = []
    offset = 0
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        while True:
            products = scope.products.list(limit=page, offset=offset)
            overrides = scope.overrides.get_many([p.id for p in products])
            for product in products:
                o = overrides.get(product.id) or ProductOverride(product_id=product.id)
                rows.append({
                    "product_id": product.id, "sku": product.sku or "", "name": product.name,
                    "salla_cost_price": _text(product.cost_price), "cost_price": _text(o.cost_price),
                    "min_price": _text(o.min_price), "max_price": _text(o.max_price), "map_price": _text(o.map_price),
                    "excluded": "yes" if o.excluded else "no", "fixed_price": _text(o.fixed_price),
                })
            if len(products) < page:
                return rows
            offset += page


__all__ = [
    "EXPORT_COLUMNS",
    "VALUE_COLUMNS",
    "CostImport",
    "LineError",
    "OverrideChange",
    "SheetError",
    "SheetLine",
    "check_columns",
    "export_costs",
    "import_costs",
    "read_amount",
]
