"""Competitor page extraction over the pages written for the first tests (tests/fixtures/pages).

Target (issue 7): every page reads as recorded in its index (price or no price, currency, stock,
method). Run: ``python bench/extraction.py [--repeat N]``. Prints per-page misses and the figures;
exits non-zero when any page differs. Real retailers' pages: ``bench/extraction_corpus.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from adapters.competitors.extraction import extract

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="extractions per page, for the timing")
    args = parser.parse_args(argv)
    index = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))["pages"]
    pages = [(entry, (PAGES / entry["file"]).read_text(encoding="utf-8")) for entry in index]

    correct = Counter[str]()
    by_method = Counter[str]()
    misses = []
    for entry, html in pages:
        found = extract(html, entry["url"])
        by_method[str(entry["method"])] += 1
        want_price = None if entry["price"] is None else Decimal(entry["price"])
        ok_price = found.price == want_price
        ok_currency = found.currency == entry["currency"]
        ok_stock = found.in_stock is entry["in_stock"]
        correct["price"] += ok_price
        correct["currency"] += ok_currency
        correct["stock"] += ok_stock
        correct["all"] += ok_price and ok_currency and ok_stock
        if not (ok_price and ok_currency and ok_stock):
            misses.append((entry["file"], found))

    start = time.perf_counter()
    for _ in range(args.repeat):
        for entry, html in pages:
            extract(html, entry["url"])
    elapsed = time.perf_counter() - start
    per_page_ms = elapsed / (args.repeat * len(pages)) * 1000

    total = len(pages)
    print(f"pages: {total} ({', '.join(f'{m} {n}' for m, n in sorted(by_method.items()))})")
    for field in ("price", "currency", "stock", "all"):
        print(f"{field:>8}: {correct[field]}/{total} = {correct[field] / total:.1%}")
    print(f"extraction time: {per_page_ms:.2f} ms per page (mean of {args.repeat} runs; cpus={os.cpu_count()})")
    for name, found in misses:
        print(f"MISS {name}: {found}")
    if total < 20 or correct["all"] != total:
        print("TARGET MISSED: every page of a set of at least 20 must be read correctly", file=sys.stderr)
        return 1
    print("target met: 100% of the saved pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
