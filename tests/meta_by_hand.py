"""Random-effects pooling of Fisher z = atanh r with v = 1/(n-3), written out in plain Python
(the hand computation the meta-analysis tests compare against); REML tau^2 by maximising the
restricted likelihood with scipy (not a fixed point)."""

from __future__ import annotations

import math

from scipy import optimize, stats


def random_effects_by_hand(r, n, method="dl", ci=0.95) -> dict:
    z = [math.atanh(x) for x in r]
    v = [1 / (m - 3) for m in n]
    w = [1 / x for x in v]
    fixed = sum(a * b for a, b in zip(w, z)) / sum(w)
    q = sum(a * (b - fixed) ** 2 for a, b in zip(w, z))
    df = len(r) - 1
    tau2 = max(0.0, (q - df) / (sum(w) - sum(a * a for a in w) / sum(w)))
    if method == "reml":
        def minus_2ll(t):
            ws = [1 / (x + t) for x in v]
            mu = sum(a * b for a, b in zip(ws, z)) / sum(ws)
            return (sum(math.log(x + t) for x in v) + math.log(sum(ws))
                    + sum(a * (b - mu) ** 2 for a, b in zip(ws, z)))
        tau2 = optimize.minimize_scalar(minus_2ll, bounds=(0, 5), method="bounded",
                                        options={"xatol": 1e-12}).x
    ws = [1 / (x + tau2) for x in v]
    mu = sum(a * b for a, b in zip(ws, z)) / sum(ws)
    se = 1 / math.sqrt(sum(ws))
    zc = stats.norm.ppf((1 + ci) / 2)
    low, high = math.tanh(mu - zc * se), math.tanh(mu + zc * se)
    return {"mu": mu, "se": se, "tau2": tau2, "q": q,
            "i2": max(0.0, (q - df) / q) if q > 0 else 0.0, "r": math.tanh(mu),
            "pooled": math.tanh(mu), "low": low, "high": high, "ci_low": low, "ci_high": high,
            "q_p": stats.chi2.sf(q, df), "p": 2 * stats.norm.sf(abs(mu / se))}
