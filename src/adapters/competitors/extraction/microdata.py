"""schema.org microdata and RDFa about the page's main product, read as JSON-LD-like nodes.

Microdata is read by extruct on the one parsed document (``microdata_reading``); RDFa by extruct's
own parser (``rdfa_reading``), which costs a second parse, so only when ``has_rdfa`` says the page
has some. Both become the nodes ``structured_data.structured_reading`` reads, so every syntax is
judged by the same rules (main product, condition, price ranges, "was" prices).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import lxml.html
from extruct.w3cmicrodata import LxmlMicrodataExtractor

from adapters.competitors.extraction.readings import Reading
from adapters.competitors.extraction.structured_data import as_list, structured_reading

log = logging.getLogger(__name__)

_MAX_MICRODATA_PRODUCTS = 8


def _has_microdata(raw_html: str) -> bool:
    return "itemscope" in raw_html and ("schema.org/Product" in raw_html or "schema.org/Offer" in raw_html)


def has_rdfa(raw_html: str) -> bool:
    """True when an RDFa ``typeof`` attribute names a Product or an Offer (checked without a regex)."""
    start = 0
    for _ in range(500):
        at = raw_html.find("typeof=", start)
        if at == -1:
            return False
        value = raw_html[at + 7:at + 80].split(">", 1)[0]
        if "Product" in value or "Offer" in value:
            return True
        start = at + 7
    return False


_SCHEMA_PREFIX = re.compile(r"^https?://schema\.org/")


def _microdata_as_jsonld(item: Any) -> Any:
    """extruct's microdata item (``{"type", "properties"}``) as a JSON-LD-like node."""
    if isinstance(item, list):
        return [_microdata_as_jsonld(i) for i in item]
    if not isinstance(item, Mapping) or "properties" not in item:
        return item
    node: dict[str, Any] = {"@type": item.get("type")}
    for key, value in item["properties"].items():
        node[key] = _microdata_as_jsonld(value)
    return node


def _rdfa_as_jsonld(nodes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """extruct's RDFa output is flat, with full IRIs; rebuild nested schema.org nodes with short keys."""
    by_id = {n.get("@id"): n for n in nodes if isinstance(n, Mapping)}
    referenced = {v.get("@id") for n in by_id.values() for vs in n.values() for v in as_list(vs)
                  if isinstance(v, Mapping) and "@id" in v}

    def convert(node: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": [_SCHEMA_PREFIX.sub("", str(t)) for t in as_list(node.get("@type"))]}
        for key, values in node.items():
            if not _SCHEMA_PREFIX.match(key):
                continue
            converted: list[Any] = []
            for value in as_list(values):
                if isinstance(value, Mapping) and value.get("@id") in by_id and depth < 4:
                    converted.append(convert(by_id[value["@id"]], depth + 1))
                elif isinstance(value, Mapping):
                    converted.append(value.get("@value", value.get("@id")))
                else:
                    converted.append(value)
            out[_SCHEMA_PREFIX.sub("", key)] = converted[0] if len(converted) == 1 else converted
        return out

    return [convert(n) for key, n in by_id.items() if key not in referenced]


def microdata_reading(doc: lxml.html.HtmlElement, raw_html: str, url: str) -> Reading | None:
    """The reading of the page's schema.org microdata, if it has any (a list page gives a note, no price)."""
    listed = raw_html.count("schema.org/Product")
    if listed > _MAX_MICRODATA_PRODUCTS:
        # A list of products (a category or search page): extruct's microdata reader is quadratic
        # in the items, and no one of them is this page's product anyway.
        return Reading(None, None, None, "microdata", note=f"{listed} products marked up: a list page")
    if not _has_microdata(raw_html):
        return None
    try:
        items = [_microdata_as_jsonld(i) for i in LxmlMicrodataExtractor().extract_items(doc, url)]
        return structured_reading(items, "microdata", [url])
    except Exception as exc:  # extruct raises assorted errors on broken markup
        log.info("microdata unreadable on %s: %s", url, exc)
        return None


def rdfa_reading(raw_html: str, url: str) -> Reading | None:
    """The reading of the page's schema.org RDFa (parsed again by extruct: call it only when ``has_rdfa``)."""
    import extruct  # RDFa needs extruct's own DOM: only pages with RDFa and no other price pay for it

    try:
        nodes = extruct.extract(raw_html, base_url=url, syntaxes=["rdfa"], uniform=True, errors="ignore")["rdfa"]
        return structured_reading(_rdfa_as_jsonld(nodes), "rdfa", [url])
    except Exception as exc:  # rdflib/pyrdfa raise assorted errors on broken markup
        log.info("RDFa unreadable on %s: %s", url, exc)
        return None


__all__ = ["has_rdfa", "microdata_reading", "rdfa_reading"]
