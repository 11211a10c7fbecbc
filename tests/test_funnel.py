"""reps.funnel: exact limits vs binomial quantiles, normal limits for large n, overdispersion recovery."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from kpi_analysis import reps


@pytest.mark.parametrize("target", [0.06, 0.25, 0.5])
def test_exact_limits_are_interpolated_binomial_quantiles(target):
    n = np.arange(1, 80)
    res = reps.funnel(np.round(n * target), n, target=target)
    for level, tag in ((0.95, "95"), (0.998, "998")):
        tail = (1 - level) / 2
        lo, hi = res.limits_at(n, level)
        assert np.array_equal(lo, res.table[f"lower_{tag}"].to_numpy()) or tag == "998"
        for prob, lim in ((tail, lo), (1 - tail, hi)):
            r = stats.binom.ppf(prob, n, target)  # smallest r with P(R <= r) >= prob
            f_r, f_r1 = stats.binom.cdf(r, n, target), stats.binom.cdf(r - 1, n, target)
            alpha = np.where(f_r > f_r1, (f_r - prob) / (f_r - f_r1), 0)
            assert lim * n == pytest.approx(np.clip(r - alpha, 0, n), abs=1e-9)  # a rate is >= 0
            assert np.all(lim * n <= r + 1e-12) and np.all(lim * n >= r - 1 - 1e-12)
        # counts beyond the quantile the limit interpolates towards are rarer than the tail
        assert np.all(stats.binom.cdf(np.ceil(lo * n - 1e-9) - 1, n, target) <= tail + 1e-12)
        assert np.all(stats.binom.sf(np.ceil(hi * n - 1e-9), n, target) <= tail + 1e-12)


def test_exact_limits_meet_the_normal_approximation_for_large_n():
    n = np.array([5_000, 20_000, 100_000])
    res = reps.funnel(n * 0.2, n)
    for level, tag in ((0.95, "95"), (0.998, "998")):
        z = stats.norm.ppf(0.5 + level / 2)
        half = z * np.sqrt(0.2 * 0.8 / n)
        exact_lo, exact_hi = res.table[f"lower_{tag}"].to_numpy(), res.table[f"upper_{tag}"].to_numpy()
        assert exact_lo == pytest.approx(0.2 - half, abs=2e-4)
        assert exact_hi == pytest.approx(0.2 + half, abs=2e-4)
        assert (exact_hi - exact_lo) / (2 * half) == pytest.approx(1, abs=0.02)
    normal = reps.funnel(n * 0.2, n, limits="normal")
    assert normal.table["lower_95"].to_numpy() == pytest.approx(0.2 - 1.959964 * np.sqrt(0.16 / n), abs=1e-9)


def _overdispersed(seed, units=400, n=500, target=0.2, tau=0.03):
    rng = np.random.default_rng(seed)
    p = np.clip(target + rng.normal(0, tau, units), 0.01, 0.99)
    return rng.binomial(n, p), np.full(units, n)


def test_phi_and_tau2_recover_known_overdispersion():
    events, trials = _overdispersed(20261028)
    true_phi = 1 + 500 * 0.03 ** 2 / (0.2 * 0.8)  # E[z^2] = 1 + n tau^2 / (p (1 - p)) = 3.81
    plain = reps.funnel(events, trials, winsorize=0)
    assert plain.phi == pytest.approx(true_phi, rel=0.15)
    assert plain.tau2 == pytest.approx(0.03 ** 2, rel=0.3)
    assert plain.overdispersed and plain.overdispersion_p < 1e-6
    # Spiegelhalter's 10% Winsorised estimate: for normal z-scores its expectation is
    # true_phi * E[clip(Z, q10, q90)^2], computed here from the normal distribution.
    c = stats.norm.ppf(0.9)
    shrink = (0.8 - 2 * c * stats.norm.pdf(c)) + 2 * 0.1 * c ** 2
    wins = reps.funnel(events, trials)
    assert shrink == pytest.approx(0.679, abs=1e-3)
    assert wins.phi == pytest.approx(true_phi * shrink, rel=0.15)
    assert wins.overdispersed and wins.tau2 > 0
    # adjusted limits are wider, so fewer units fall outside them
    assert wins.outside_95_adjusted < wins.outside_95


def test_no_overdispersion_gives_phi_near_one_and_no_tau2():
    rng = np.random.default_rng(3)
    trials = rng.integers(100, 1000, 300)
    events = rng.binomial(trials, 0.3)
    plain = reps.funnel(events, trials, winsorize=0)
    assert plain.phi == pytest.approx(1.0, abs=0.2)
    assert not plain.overdispersed and plain.tau2 == 0
    assert plain.outside_998 <= 3
    assert plain.table["lower_95_adjusted"].equals(plain.table["lower_95"])


def test_planted_outlier_is_flagged_and_labelled():
    rng = np.random.default_rng(12)
    trials = rng.integers(200, 600, 30)
    events = rng.binomial(trials, 0.25)
    events[7] = int(trials[7] * 0.08)
    labels = [f"rep {i}" for i in range(30)]
    res = reps.funnel(events, trials, labels=labels)
    assert res.table.loc[res.table["outside_998"], "label"].tolist() == ["rep 7"]
    assert "rep 7" in res.headline()["outliers_998_adjusted"]
    json.dumps(res.headline(), allow_nan=False)
    assert "Spiegelhalter" in res.summary() and "Spiegelhalter" in res.summary("vi")


def test_funnel_edge_cases_and_errors():
    res = reps.funnel([3, 0, 5], [10, 0, 12], labels=["a", "b", "c"])
    assert res.excluded == ({"code": "no_trials", "n": 1},) and res.n_units == 2
    assert np.isnan(res.phi) and {"code": "few_units"} in res.notes
    zero = reps.funnel([0, 0, 0], [10, 20, 30])
    assert zero.target == 0 and {"code": "degenerate_target"} in zero.notes and zero.outside_95 == 0
    with pytest.raises(ValueError, match=r"funnel\.events must be numbers between 0 and trials: 1 row"):
        reps.funnel([3, 12], [10, 10])
    with pytest.raises(ValueError, match=r"funnel\.trials must be whole numbers"):
        reps.funnel([3, 2], [10.5, 10])
    with pytest.raises(ValueError, match="events has 2 values but trials has 3"):
        reps.funnel([3, 2], [10, 10, 10])
    with pytest.raises(ValueError, match="limits must be one of"):
        reps.funnel([3, 2], [10, 10], limits="wald")


def test_funnel_plot_draws_limits():
    import matplotlib.pyplot as plt

    events, trials = _overdispersed(5, units=40)
    res = reps.funnel(events, trials)
    fig, ax = plt.subplots()
    assert res.plot(ax=ax, locale="vi") is ax
    assert len(ax.lines) >= 5  # target + two limits x two sides (+ adjusted)
    plt.close(fig)
