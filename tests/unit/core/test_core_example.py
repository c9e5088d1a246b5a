"""The docs example runs and says what it should (so the docs cannot rot)."""

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "example_pricing.py"


def test_docs_example_prices_the_sample_catalog(capsys):
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "Sukkari dates 1kg: 100.00 -> 97.00 [auto_apply, risk low]" in out
    # Below its floor (cost 72 at 15% margin incl. VAT = 97.42): raised to the floor, beyond the max change.
    assert "Prayer mat: 80.00 -> 97.42 [needs_approval, risk high]" in out
    assert "dropped extra (outlier" in out and "no cost is known" in out
    assert "Margin floor" in out and "Offers:" in out
