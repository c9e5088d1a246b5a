"""The ``fake-salla`` command: arguments and refusal of an unsigned webhook set-up."""

from __future__ import annotations

import pytest

from entrypoints.cli import CommandError, build_parser
from entrypoints.cli.salla_commands import run_fake_salla


def test_fake_salla_arguments() -> None:
    args = build_parser().parse_args(
        ["fake-salla", "--port", "9000", "--client-id", "cid", "--client-secret", "sec",
         "--webhook-url", "http://127.0.0.1:8000/webhooks/salla", "--webhook-secret", "whsec", "--seed", "3"]
    )
    assert args.handler is run_fake_salla
    assert (args.port, args.host, args.client_id, args.seed, args.webhook_strategy) == (
        9000, "127.0.0.1", "cid", 3, "signature"
    )
    assert (args.portal_event, args.strict_webhook_urls) == ([], False)
    more = build_parser().parse_args(["fake-salla", "--port", "9000", "--portal-event", "product.price.updated",
                                      "--portal-event", "order.created", "--strict-webhook-urls"])
    assert (more.portal_event, more.strict_webhook_urls) == (["product.price.updated", "order.created"], True)


def test_webhook_url_without_a_secret_is_refused() -> None:
    args = build_parser().parse_args(["fake-salla", "--port", "9000", "--webhook-url", "http://x/hook"])
    with pytest.raises(CommandError):
        run_fake_salla(args)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "salla-fake.example"])
def test_fake_salla_refuses_a_non_loopback_host_unless_exposed(host: str) -> None:
    args = build_parser().parse_args(["fake-salla", "--port", "9000", "--host", host])
    with pytest.raises(CommandError, match="control API hands out"):
        run_fake_salla(args)
    assert build_parser().parse_args(["fake-salla", "--port", "9000", "--host", host, "--expose"]).expose is True
