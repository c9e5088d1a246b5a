"""Estimating a product's own-price elasticity from its daily sales.

The curve ``units per day = A * price**e * reference**g`` (``demand/model.py``) is fitted as a
Poisson regression (log link) on one observation per product and day:

    log E[units] = b0 + e * log(price) + g * log(reference)

A Poisson model, rather than least squares on ``log(units)``, takes the many zero-unit days of a
slow-moving product as they are (``log 0`` never occurs) and weighs each day by how much it can
tell. Overdispersion (real sales are burstier than Poisson) is estimated from the residuals
(quasi-Poisson) and widens the interval. The competitor reference is a covariate because a
repricer moves its own price *with* the competitors: without it, a competitor's price cut (which
costs us sales) and our matching cut would look like "lower price, fewer sales".

The estimate is Bayesian in the simplest useful way: a normal prior on ``e`` (the category's pooled
estimate, see ``demand.pooling``, or the weak :data:`WEAK_PRIOR`) and the posterior mode with a
Laplace (normal) approximation for its 90% interval. When a product has few sales or its price
barely moved, the data carry little information about ``e`` and the estimate stays close to the
prior, with the prior's width. The fit is Newton's method (IRLS) over the product's distinct
(price, reference) pairs, in pure Python: a handful of parameters and at most a few hundred rows
per product do not need numpy (``bench/demand_core.py`` measures 10,000 products).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import pairwise
from operator import attrgetter, mul

import attrs

from pricing_core.demand.model import WEAK_PRIOR, Z90, DemandError, ElasticityEstimate, SalesObservation
from pricing_core.money import MINOR_UNIT, quantize

# Near-flat priors on the intercept and on the cross-elasticity to the competitor reference: both
# are there to take their effects out of the elasticity, not to pull it anywhere. A tighter prior
# on the cross term (sd 2 around 0) biased the elasticity toward "elasticity + cross" whenever the
# own price follows the competitor's (bench/demand_core.py, 1,000 products, repricer, 8 weeks,
# category prior: a median error of +0.50 with sd 2, +0.12 with sd 10).
_NUISANCE_SD = 10.0
_MAX_ITERATIONS = 50
_TOLERANCE = 1e-7  # elasticity units: far below anything the price could resolve
_MAX_ETA = 50.0  # exp(50) units a day: far beyond any shop, keeps a wild Newton step finite


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve ``matrix @ x = vector`` for a small symmetric positive definite matrix (Cholesky).

    The priors make the matrix positive definite whatever the data, so no pivoting is needed.
    """
    k = len(vector)
    lower = [[0.0] * k for _ in range(k)]
    for i in range(k):
        row = lower[i]
        for j in range(i + 1):
            other = lower[j]
            acc = matrix[i][j]
            for m in range(j):
                acc -= row[m] * other[m]
            row[j] = math.sqrt(max(acc, 1e-300)) if i == j else acc / other[j]
    x = vector[:]
    for i in range(k):  # forward: lower @ y = vector
        acc = x[i]
        for m in range(i):
            acc -= lower[i][m] * x[m]
        x[i] = acc / lower[i][i]
    for i in range(k - 1, -1, -1):  # back: lower.T @ x = y
        acc = x[i]
        for m in range(i + 1, k):
            acc -= lower[m][i] * x[m]
        x[i] = acc / lower[i][i]
    return x


@attrs.frozen
class _Design:
    """A product's observations grouped by distinct covariates: the sufficient statistics of the fit."""

    offsets: list[float]            # log(days at this (price, reference)), each day weighted by its weekday
    columns: list[list[float]]      # covariate columns, the intercept excluded
    pairs: list[list[float]]        # products of two columns (i <= j), in _pair_index order
    sums_y: list[float]             # sum of units times each column (intercept first)
    units: list[float]              # units per group
    units_sq: list[float]           # sum of squared daily units over the day's weight, per group (dispersion)
    days: list[float]               # days per group, each weighted by its weekday's factor
    total_units: float
    total_days: int
    mean_log_price: float


def _design(observations: Sequence[SalesObservation], weekdays: Sequence[float] | None) -> _Design:
    prices = [o.price for o in observations]
    refs = [o.reference_price for o in observations]
    # Prices repeat for days on end: one logarithm per distinct amount.
    logs = {amount: math.log(amount) for amount in {*prices, *refs} if amount is not None}
    log_prices = [logs[p] for p in prices]
    mean_log_price = sum(log_prices) / len(log_prices)
    # A day without a reference takes the last known one (the first known for the days before it):
    # competitor prices are sticky, and a missing reading usually means no fresh one, not a new price.
    first = next((r for r in refs if r is not None), None)
    filled: list[float] = []
    last = first
    for r in refs:
        last = r if r is not None else last
        filled.append(logs[last] if last is not None else 0.0)
    use_reference = first is not None and max(filled) - min(filled) > 1e-12
    mean_log_ref = sum(filled) / len(filled) if use_reference else 0.0

    groups: dict[tuple[float, float], list[float]] = {}
    for obs, lp, lr in zip(observations, log_prices, filled, strict=True):
        key = (lp - mean_log_price, lr - mean_log_ref if use_reference else 0.0)
        acc = groups.setdefault(key, [0.0, 0.0, 0.0])
        # A day's expected units are the group's rate times its weekday's factor (1 without a pattern).
        weight = weekdays[obs.day.weekday()] if weekdays is not None else 1.0
        acc[0] += weight
        acc[1] += obs.units
        acc[2] += obs.units * obs.units / weight
    keys = list(groups)
    stats = list(groups.values())
    columns = [[k[0] for k in keys]]
    if use_reference:
        columns.append([k[1] for k in keys])
    units = [s[1] for s in stats]
    pairs = [list(map(mul, columns[i - 1], columns[j - 1])) for i, j in _pair_index(len(columns) + 1) if i > 0]
    return _Design(
        offsets=[math.log(s[0]) for s in stats],
        columns=columns,
        pairs=pairs,
        sums_y=[sum(units)] + [sum(map(mul, units, c)) for c in columns],
        units=units,
        units_sq=[s[2] for s in stats],
        days=[s[0] for s in stats],
        total_units=sum(units),
        total_days=len(observations),
        mean_log_price=mean_log_price,
    )


def _pair_index(k: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(k) for j in range(i, k)]


def _means(design: _Design, beta: Sequence[float]) -> list[float]:
    """Expected units per group at ``beta`` (one or two covariate columns: price, and the reference)."""
    exp, cap, big = math.exp, _MAX_ETA, math.exp(_MAX_ETA)
    b0, b1 = beta[0], beta[1]
    if len(beta) == 2:
        return [exp(v) if (v := o + b0 + b1 * x) < cap else big
                for o, x in zip(design.offsets, design.columns[0], strict=True)]
    b2 = beta[2]
    return [exp(v) if (v := o + b0 + b1 * x + b2 * r) < cap else big
            for o, x, r in zip(design.offsets, design.columns[0], design.columns[1], strict=True)]


def _curvature(design: _Design, mus: list[float]) -> tuple[list[float], list[list[float]]]:
    """Expected units times each column, and the Fisher information matrix (data part, dispersion 1)."""
    k = len(design.columns) + 1
    firsts = [sum(mus)] + [sum(map(mul, mus, c)) for c in design.columns]
    info = [[0.0] * k for _ in range(k)]
    pair_sums = iter([sum(map(mul, mus, p)) for p in design.pairs])
    for i, j in _pair_index(k):
        value = firsts[j] if i == 0 else next(pair_sums)
        info[i][j] = info[j][i] = value
    return firsts, info


def _fit(
    design: _Design, beta: list[float], centre: list[float], precision: list[float], dispersion: float,
    tolerance: float,
) -> tuple[list[float], list[float]]:
    """Posterior mode by damped Newton steps; returns (beta, expected units per group)."""

    def objective(b: Sequence[float], mus: list[float]) -> float:
        loglik = float(sum(map(mul, b, design.sums_y))) - sum(mus)
        penalty = sum(p * (x - c) ** 2 for x, c, p in zip(b, centre, precision, strict=True))
        return loglik / dispersion - 0.5 * penalty

    mus = _means(design, beta)
    current = objective(beta, mus)
    for _ in range(_MAX_ITERATIONS):
        firsts, info = _curvature(design, mus)
        grad = [(sy - f) / dispersion - p * (b - c)
                for sy, f, b, c, p in zip(design.sums_y, firsts, beta, centre, precision, strict=True)]
        for i, p in enumerate(precision):
            info[i] = [v / dispersion for v in info[i]]
            info[i][i] += p
        step = _solve(info, grad)
        t = 1.0
        while True:  # the log-posterior is concave: halve the step until it does not go down
            candidate = [b + t * s for b, s in zip(beta, step, strict=True)]
            new_mus = _means(design, candidate)
            value = objective(candidate, new_mus)
            if value >= current - 1e-12 * (1 + abs(current)) or t < 1e-6:
                break
            t /= 2
        moved = max(abs(t * s) for s in step)
        beta, mus, current = candidate, new_mus, value
        if moved < tolerance:
            break
    return beta, mus


def _prior_only(prior: ElasticityEstimate, days: int, units: float | None, at: Decimal | None) -> ElasticityEstimate:
    return ElasticityEstimate(prior.value, prior.low, prior.high, days, units_per_day=units, at_price=at,
                              prior_share=1.0)


def _checked(observations: Iterable[SalesObservation]) -> list[SalesObservation]:
    rows = []
    for obs in observations:
        if not isinstance(obs, SalesObservation):
            raise DemandError(f"not a SalesObservation: {obs!r}")
        rows.append(obs)
    rows.sort(key=attrgetter("day"))  # the same history in any order gives the same estimate
    for before, after in pairwise(rows):
        if before.day == after.day:
            raise DemandError(f"two observations for {after.day}: give one per day (the price that held longest)")
    return rows


def estimate_elasticity(
    observations: Iterable[SalesObservation],
    *,
    prior: ElasticityEstimate | None = None,
    weekdays: Sequence[float] | None = None,
) -> ElasticityEstimate:
    """The own-price elasticity of one product from its daily sales, shrunk toward ``prior``.

    ``prior`` is the product's category estimate (``demand.pooling``); without one the weak
    :data:`WEAK_PRIOR` is used. ``weekdays`` is the store's weekly pattern (``demand.weekly``,
    seven factors from Monday): each day's expected units are scaled by its weekday's factor, so
    the pattern is neither noise nor, when a price change falls before the busy days, a bias.
    With no sales at all, or prices that never moved, the result is the prior itself
    (``prior_share`` 1). Raises :class:`DemandError` for two observations on one day, or for a
    pattern that is not seven positive factors.
    """
    rows = _checked(observations)
    base = prior or WEAK_PRIOR
    if weekdays is not None and (len(weekdays) != 7 or not all(f > 0 and math.isfinite(f) for f in weekdays)):
        raise DemandError(f"weekdays must be 7 positive factors, Monday first, not {weekdays!r}")
    if not rows:
        return _prior_only(base, 0, None, None)
    design = _design(rows, weekdays)
    at_price = quantize(Decimal(repr(math.exp(design.mean_log_price))))
    at_price = max(at_price, MINOR_UNIT)
    if design.total_units == 0:
        return _prior_only(base, design.total_days, 0.0, at_price)

    k = len(design.columns) + 1
    prior_sd = max(base.sd, 1e-3)
    start = math.log(design.total_units / design.total_days)
    centre = [start, base.value, 0.0][:k]
    precision = [_NUISANCE_SD**-2, prior_sd**-2, _NUISANCE_SD**-2][:k]
    # A rough fit is enough to measure the dispersion; the final fit with it is the precise one.
    beta, mus = _fit(design, list(centre), centre, precision, 1.0, 1e-2)

    # Quasi-Poisson dispersion from the daily Pearson residuals; refit when sales are burstier than Poisson.
    pearson = 0.0
    for y2, y, n, mu in zip(design.units_sq, design.units, design.days, mus, strict=True):
        per_day = mu / n
        pearson += y2 / per_day - 2 * y + n * per_day
    dof = design.total_days - k
    dispersion = max(1.0, pearson / dof) if dof > 0 else 1.0
    beta, mus = _fit(design, beta, centre, precision, dispersion, _TOLERANCE)

    _, info = _curvature(design, mus)
    for i, p in enumerate(precision):
        info[i] = [v / dispersion for v in info[i]]
        info[i][i] += p
    unit = [0.0] * k
    unit[1] = 1.0
    variance = max(_solve(info, unit)[1], 1e-12)  # the elasticity's entry of the inverse information
    sd = math.sqrt(variance)
    value = beta[1]
    return ElasticityEstimate(
        value, value - Z90 * sd, value + Z90 * sd, design.total_days,
        units_per_day=math.exp(min(beta[0], _MAX_ETA)),
        at_price=at_price,
        prior_share=min(1.0, max(0.0, precision[1] * variance)),
    )


__all__ = [
    "estimate_elasticity",
]
