"""The Beta distribution as a posterior of a rate: CDF (regularized incomplete beta) and its inverse."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

_TINY = 1e-300
_EPS = 1e-15
_MAX_TERMS = 1_000_000
_STANDARD_NORMAL = NormalDist()


def log_beta(a: float, b: float) -> float:
    """log B(a, b)."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (modified Lentz); converges fast for x < (a+1)/(a+b+2)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            step = d * c
            h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta I_x(a, b): the CDF of Beta(a, b) at ``x``."""
    if a <= 0 or b <= 0:
        raise ValueError("Beta parameters must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = a * math.log(x) + b * math.log1p(-x) - log_beta(a, b)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(b, a, 1.0 - x) / b


def _log_pdf(a: float, b: float, x: float) -> float:
    return (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta(a, b)


def betaincinv(a: float, b: float, p: float) -> float:
    """The ``p`` quantile of Beta(a, b): Newton steps from a normal guess, kept inside a bisection bracket."""
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
    lo, hi = 0.0, 1.0
    x = min(max(mean + _STANDARD_NORMAL.inv_cdf(p) * sd, 1e-12), 1.0 - 1e-12)
    for _ in range(200):
        error = betainc(a, b, x) - p
        if error > 0:
            hi = x
        else:
            lo = x
        density = math.exp(_log_pdf(a, b, x))
        candidate = x - error / density if density > 0.0 else math.nan
        if not lo < candidate < hi:  # also NaN: the density underflowed far in a tail
            candidate = (lo + hi) / 2.0
        if abs(candidate - x) <= 1e-13 * max(x, 1e-300) or hi - lo <= 1e-14 * hi:
            return candidate
        x = candidate
    return x


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(alpha, beta): the posterior of a rate after ``successes`` out of ``trials``."""

    alpha: float
    beta: float

    @classmethod
    def from_counts(
        cls, successes: int, trials: int, prior_alpha: float = 1.0, prior_beta: float = 1.0
    ) -> BetaPosterior:
        if successes < 0 or trials < successes:
            raise ValueError("need 0 <= successes <= trials")
        if prior_alpha <= 0 or prior_beta <= 0:
            raise ValueError("prior parameters must be positive")
        return cls(prior_alpha + successes, prior_beta + trials - successes)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def cdf(self, x: float) -> float:
        return betainc(self.alpha, self.beta, x)

    def quantile(self, p: float) -> float:
        return betaincinv(self.alpha, self.beta, p)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The equal-tailed credible interval holding ``level`` of the posterior mass."""
        if not 0.0 < level < 1.0:
            raise ValueError("level must be in (0, 1)")
        tail = (1.0 - level) / 2.0
        return self.quantile(tail), self.quantile(1.0 - tail)
