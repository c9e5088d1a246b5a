"""Competitor page extraction on real saved product pages (tests/fixtures/corpus).

Scores price, currency and availability by precision, recall and F1 against the ground truth
written for each page, lists the misses per site, and times the extraction of every page.

Run from the repository root: ``PYTHONPATH=src python bench/extraction_corpus.py [--repeat N]``.
Targets (issue 16): price precision >= 0.97 with recall >= 0.85, availability F1 >= 0.95,
median time <= 25 ms per page. Exit status 1 when a target is missed.

Scoring, per attribute: a page whose truth has a value and whose reading equals it is a true
positive; a reading that differs from the truth (or is given where the truth has none) is a false
positive; a truth value not read exactly is a false negative (a wrong reading is both). Prices
compare as exact amounts, currencies as ISO codes; availability is in stock / out of stock, and
pages whose truth does not say are left out unless something is read on them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.competitors.extraction import extract

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "corpus"
TARGETS = {"price_precision": 0.97, "price_recall": 0.85, "availability_f1": 0.95, "median_ms": 25.0}


@dataclass
class Score:
    """True/false positives and false negatives of one attribute."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: object, found: object) -> bool:
        """Count one page; True when the reading is right (or rightly absent)."""
        if found is not None and found == truth:
            self.tp += 1
            return True
        if found is not None:
            self.fp += 1
        if truth is not None:
            self.fn += 1
        return truth is None and found is None

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Result:
    """The scores of one run over the corpus."""

    scores: dict[str, Score] = field(
        default_factory=lambda: {k: Score() for k in ("price", "currency", "availability")})
    misses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    pages: int = 0
    sites: int = 0


def load(corpus: Path = CORPUS) -> list[tuple[dict[str, Any], str]]:
    """The corpus entries with their HTML, decoded as the saving browser would (UTF-8, lenient)."""
    index = json.loads((corpus / "index.json").read_text(encoding="utf-8"))["pages"]
    return [(entry, gzip.decompress((corpus / entry["file"]).read_bytes()).decode("utf-8", "replace"))
            for entry in index]


def reading(found: object) -> tuple[Decimal | None, str | None, bool | None]:
    """(price, currency, in stock) of an extraction result (None for "not read")."""
    if found is None:
        return None, None, None
    price = getattr(found, "price", None)
    currency = getattr(found, "currency", None) if price is not None else None
    return price, currency, getattr(found, "in_stock", None)


def run(pages: list[tuple[dict[str, Any], str]], repeat: int) -> Result:
    """Extract every page ``repeat`` times; score the first reading, time all of them."""
    result = Result(pages=len(pages), sites=len({entry["site"] for entry, _ in pages}))
    for entry, html in pages:
        elapsed, cpu = [], []
        found = None
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            found = extract(html, entry["url"])
            elapsed.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        result.times_ms.append(statistics.median(elapsed))
        result.cpu_ms.append(statistics.median(cpu))
        price, currency, in_stock = reading(found)
        truth = entry["truth"]
        want_price = Decimal(truth["price"]) if truth["price"] is not None else None
        checks = {
            "price": result.scores["price"].add(want_price, price),
            "currency": result.scores["currency"].add(truth["currency"], currency),
            "availability": result.scores["availability"].add(truth["in_stock"], in_stock),
        }
        for attribute, ok in checks.items():
            if not ok:
                want = {"price": want_price, "currency": truth["currency"],
                        "availability": truth["in_stock"]}[attribute]
                got = {"price": price, "currency": currency, "availability": in_stock}[attribute]
                why = getattr(found, "reason", None)
                result.misses[entry["site"]].append(
                    f"{entry['id']}: {attribute} read {got} (truth {want})" + (f" [{why}]" if why else ""))
    return result


def report(result: Result, repeat: int) -> bool:
    """Print the figures and misses; True when every target is met."""
    times, cpu = sorted(result.times_ms), sorted(result.cpu_ms)
    median = statistics.median(times)
    p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    cpu_p90 = cpu[min(len(cpu) - 1, round(0.9 * (len(cpu) - 1)))]
    print(f"corpus: {result.pages} pages from {result.sites} sites")
    print(f"{'':>14} {'precision':>9} {'recall':>7} {'F1':>6}  (tp/fp/fn)")
    for name, score in result.scores.items():
        print(f"{name:>14} {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f}  "
              f"({score.tp}/{score.fp}/{score.fn})")
    print(f"time per page: median {median:.1f} ms, p90 {p90:.1f} ms, total {sum(times):.0f} ms "
          f"(median of {repeat} runs per page; python {platform.python_version()}, cpus={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"CPU time per page: median {statistics.median(cpu):.1f} ms, p90 {cpu_p90:.1f} ms "
          "(process time: what the extraction itself costs on a shared machine)")
    for site in sorted(result.misses):
        for line in result.misses[site]:
            print(f"MISS {site}: {line}")
    price, availability = result.scores["price"], result.scores["availability"]
    met = (price.precision >= TARGETS["price_precision"] and price.recall >= TARGETS["price_recall"]
           and availability.f1 >= TARGETS["availability_f1"] and median <= TARGETS["median_ms"])
    print("targets met" if met else "TARGET MISSED: " + json.dumps(TARGETS))
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="extractions per page, for the timing")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a folder with index.json and pages/")
    args = parser.parse_args(argv)
    result = run(load(args.corpus), max(1, args.repeat))
    return 0 if report(result, max(1, args.repeat)) else 1


if __name__ == "__main__":
    sys.exit(main())
