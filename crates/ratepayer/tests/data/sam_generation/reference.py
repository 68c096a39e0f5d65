#!/usr/bin/env python3
"""
Independent pure-Python reference for bills WITH customer generation under SAM `utilityrate5`
metering options 0-4, written from shared/conformance/nem/SEMANTICS.md (plus the extensions
listed below, which SEMANTICS.md does not cover but the ssc tests use).  No PySAM in the
bill computation: `bill(case, load, gen)` uses only the URDB tariff and the hourly data.

    python3 reference.py                      # reference vs the stored expected values of cases/*.json
    /tmp/pysam/bin/python reference.py --random 200      # + 200 random tariffs/loads per option vs PySAM
    /tmp/pysam/bin/python reference.py --random 200 --settings   # + random non-§5 ssc settings
    options: --seed N, --tol 1e-6, --verbose

Only `--random` imports PySAM (through generate.py) to produce the numbers it compares with.

Inputs per hour i: load d_i >= 0 and SAM generation g_i (may be slightly negative at night:
inverter stand-by).  Options 0-3 use the net e_i = g_i - d_i.  Option 4 bills d_i on the load
meter and g_i on the generation meter (a negative g_i is an import there, see below).

Extensions beyond SEMANTICS.md (each checked against PySAM by --settings / the ssc cases):
  * true-up month `ur_nm_credit_month` = cm (SEMANTICS: December, cm = 11):
      option 0: X_m restarts in month cm+1 (X_{cm+1} = max(net, 0)); no kWh carried into month cm+1;
                the true-up X_cm * Y is paid in month cm.
      options 1/3: the $ balance is paid in month cm and is not carried into month cm+1.
  * `ur_nm_credit_rollover` = 1 (options 0/1): no true-up payment; option 0 instead subtracts
      X_cm * Y from month cm's energy charge, and any negative energy charge is carried as $ to the
      next month (also into month cm+1), against energy charges only.
  * `ur_nb_apply_credit_current_month` = 1 (option 3): the month's own credits are applied in
      the same month (after the carried balance).  `ur_nb_credit_expire` = 1: no payout, the
      balance at month cm is dropped.
  * `$/year` minimum (mincharge with minchargeunits "$/year"), all options: December's minimum
      charge gets max(0, AMIN - sum_m max(pre_m, 0)), before any true-up payment; for option 4 the
      sum is over the load meter's pre_m.
  * Option 4 with negative generation: on the generation meter, an hour with g_i < 0 imports
      -g_i at BUY prices, filling its own hour-by-hour tier counter, and the generation meter
      has its own demand charge on max(-g_i) (flat + TOU), added to the load meter's.
  * Option 4 with `kWh/kW` tiers: the generation meter's tiers are the LOAD meter's effective
      block-step tiers (ssc skips the kWh/kW set-up for the generation meter and reuses the table).
  * `kWh/kW` block-step tiers (shared/conformance/sam/README.md §3.4) with billing demand =
      the month's highest net import (options 0-3) or highest load (option 4, load meter).
"""
import argparse
import collections
import glob
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
INF = float("inf")
OPTION = {"net_metering": 0, "net_metering_dollar": 1, "net_billing": 2,
          "net_billing_carryover": 3, "buy_all_sell_all": 4}


# ----------------------------------------------------------------------------------------------
# calendar and tariff helpers
# ----------------------------------------------------------------------------------------------
def calendar():
    """[(month, clock hour, weekend)] for the 8760 hours."""
    out = []
    day = 0
    for m, nd in enumerate(DAYS):
        for _ in range(nd):
            for h in range(24):
                out.append((m, h, day % 7 in (5, 6)))
            day += 1
    return out


CAL = calendar()
MONTH_HOURS = [[i for i, c in enumerate(CAL) if c[0] == m] for m in range(12)]


def period_of(wd, we, i):
    m, h, wkend = CAL[i]
    return int((we if wkend else wd)[m][h])


def months_periods(wd, we, m):
    """Periods occurring anywhere in row m of either schedule, sorted (SAM's row order)."""
    return sorted(set(int(x) for x in wd[m]) | set(int(x) for x in we[m]))


def tmax(tier):
    v = tier.get("max")
    return INF if v is None or float(v) >= 1e37 else float(v)


def buy(tier):
    return float(tier.get("rate", 0.0)) + float(tier.get("adj", 0.0) or 0.0)


def sell(tier):
    return float(tier.get("sell", 0.0) or 0.0)


def is_kwh_per_kw(unit):
    return str(unit).lower() in ("kwh/kw", "kwh/kw daily")


def month_tiers(tariff, m, bd, block_step=True):
    """Effective tiers of month m: (limits U_t [cumulative kWh], {period: [(buy, sell)] per tier}).

    `kWh daily` limits are multiplied by the days in the month.  When the month's first tier is
    `kWh/kW` (or `kWh/kW daily`) and block_step is on, the README §3.4 block-step algorithm is
    applied with billing demand bd."""
    ers = tariff["energyratestructure"]
    wd, we = tariff["energyweekdayschedule"], tariff["energyweekendschedule"]
    pers = months_periods(wd, we, m)
    ref = ers[pers[0]]
    units = [str(t.get("unit", "kWh")) for t in ref]
    raw = []
    for t, u in zip(ref, units):
        x = tmax(t)
        if "daily" in u.lower() and x < INF:
            x *= DAYS[m]
        raw.append(x)
    if block_step and is_kwh_per_kw(units[0]):
        n = len(ref)
        K = [x * bd if x < INF else INF for x, u in zip(raw, units) if is_kwh_per_kw(u)]
        b = 0
        eff = []
        for i in range(n):
            if is_kwh_per_kw(units[i]):
                if K[b] < (raw[i] * bd if raw[i] < INF else INF) and b + 1 < len(K):
                    b += 1
                if i == n - 1 or is_kwh_per_kw(units[i + 1]):
                    eff.append((i, K[b]))
            else:
                if raw[i] < K[b]:
                    eff.append((i, raw[i]))
                elif not eff or eff[-1][1] < K[b]:
                    eff.append((i, K[b]))
        src = [i for i, _ in eff]
        limits = [x for _, x in eff]
    else:
        src = list(range(len(ref)))
        limits = raw
    prices = {p: [(buy(ers[p][i]), sell(ers[p][i])) for i in src] for p in pers}
    return limits, prices


def block(D, tiers):
    tot, prev = 0.0, 0.0
    for t in tiers:
        u = tmax(t)
        if D > prev:
            tot += (min(D, u) - prev) * buy(t)
        prev = u
    return tot


def demand_charges(tariff, imp):
    """(flat[12], tou[12]) for hourly import kW `imp` (>= 0)."""
    flat, tou = [0.0] * 12, [0.0] * 12
    for m in range(12):
        hrs = MONTH_HOURS[m]
        if "flatdemandstructure" in tariff:
            D = max(imp[i] for i in hrs)
            flat[m] = block(D, tariff["flatdemandstructure"][int(tariff["flatdemandmonths"][m])])
        if "demandratestructure" in tariff:
            wd, we = tariff["demandweekdayschedule"], tariff["demandweekendschedule"]
            peaks = {q: 0.0 for q in months_periods(wd, we, m)}
            for i in hrs:
                q = period_of(wd, we, i)
                peaks[q] = max(peaks[q], imp[i])
            tou[m] = sum(block(D, tariff["demandratestructure"][q]) for q, D in peaks.items())
    return flat, tou


# ----------------------------------------------------------------------------------------------
# (A) pro-rata split and (B) hour-by-hour fill
# ----------------------------------------------------------------------------------------------
def prorata(amounts, limits):
    """{p: A_p} -> {p: [kWh per tier]} (SEMANTICS §2 (A))."""
    A = sum(a for a in amounts.values() if a > 0)
    out = {p: [0.0] * len(limits) for p in amounts}
    if A <= 0:
        return out
    for p, a in amounts.items():
        if a <= 0:
            continue
        prev = 0.0
        for t, u in enumerate(limits):
            if A > u:
                out[p][t] = (a / A) * u - (a / A) * prev
            else:
                out[p][t] = (a / A) * A - (a / A) * prev
                break
            prev = u
    return out


class Fill:
    """(B): cumulative counter over the month; each amount priced at its own period's tier price."""

    def __init__(self, limits):
        self.limits, self.cum, self.tier = limits, 0.0, 0

    def add(self, x, prices, which):
        """x kWh in an hour whose per-tier prices are `prices` [(buy, sell)]; which 0 = buy, 1 = sell."""
        self.cum += x
        t, total, left = self.tier, 0.0, x
        if self.cum > self.limits[-1]:
            raise ValueError("cumulative energy exceeds the last tier (ssc rejects this)")
        while self.cum > self.limits[t] and t < len(self.limits) - 1:
            step = left - (self.cum - self.limits[t])
            total += step * prices[t][which]
            left -= step
            t += 1
        total += left * prices[t][which]
        self.tier = t
        return total


# ----------------------------------------------------------------------------------------------
# the bill
# ----------------------------------------------------------------------------------------------
def settings_of(case):
    s = {"ur_nm_credit_month": 11, "ur_nm_credit_rollover": 0, "ur_nb_credit_expire": 0,
         "ur_nb_apply_credit_current_month": 0}
    s.update(case.get("ssc_settings", {}))
    return s


def min_charges(tariff):
    mon = ann = 0.0
    if "mincharge" in tariff:
        if tariff.get("minchargeunits", "$/month") == "$/year":
            ann = float(tariff["mincharge"])
        else:
            mon = float(tariff["mincharge"])
    return mon, ann


def apply_minimum(pre, tariff):
    """Monthly minimum on max(pre, 0); $/year minimum added in December (SEMANTICS §1 + ext.)."""
    mon, ann = min_charges(tariff)
    mins = [0.0] * 12
    ann_bill = 0.0
    for m in range(12):
        mb = max(pre[m], 0.0)
        if mb < mon:
            mins[m] += mon - mb
        ann_bill += mb
    if ann_bill < ann:
        mins[11] += ann - ann_bill
    return mins


def bill(case, load, gen):
    """Monthly bill and components for the case's metering option. Returns a dict of 12-lists."""
    t = case["tariff"]
    opt = OPTION[case["metering"]]
    st = settings_of(case)
    cm = int(st["ur_nm_credit_month"])
    rollover = bool(st["ur_nm_credit_rollover"])
    F = float(t.get("fixedchargefirstmeter", 0.0))
    wd, we = t["energyweekdayschedule"], t["energyweekendschedule"]
    per = [period_of(wd, we, i) for i in range(8760)]
    Z = [0.0] * 12
    out = {k: list(Z) for k in ("energy_charge", "fixed_charge", "demand_flat", "demand_tou",
                                "minimum_charge", "true_up_credit")}

    if opt == 4:
        imp_load = list(load)
        imp_gen = [max(-g, 0.0) for g in gen]
        fl, tl = demand_charges(t, imp_load)
        fg, tg = demand_charges(t, imp_gen)
        G, Gg, Cr = list(Z), list(Z), list(Z)
        for m in range(12):
            hrs = MONTH_HOURS[m]
            limits, prices = month_tiers(t, m, max(load[i] for i in hrs))
            # generation meter: ssc skips the kWh/kW set-up for it (gen_only) and reuses the tier
            # table left by the load meter's run, i.e. the load meter's effective tiers
            glimits, gprices = limits, prices
            f_load = Fill(limits)
            f_imp, f_exp = Fill(glimits), Fill(glimits)
            for i in hrs:
                if -load[i] >= 0.0:   # ssc: a zero-load hour is a (zero) "surplus" on the load meter
                    pass
                else:
                    G[m] += f_load.add(load[i], prices[per[i]], 0)
                if gen[i] >= 0.0:
                    Cr[m] += f_exp.add(gen[i], gprices[per[i]], 1)
                else:
                    Gg[m] += f_imp.add(-gen[i], gprices[per[i]], 0)
        pre = [G[m] + fl[m] + tl[m] + F for m in range(12)]
        mins = apply_minimum(pre, t)
        for m in range(12):
            out["energy_charge"][m] = G[m] + Gg[m] - Cr[m]
            out["demand_flat"][m] = fl[m] + fg[m]
            out["demand_tou"][m] = tl[m] + tg[m]
            out["fixed_charge"][m] = F
            out["minimum_charge"][m] = mins[m]
        return finish(out)

    e = [gen[i] - load[i] for i in range(8760)]
    imp = [max(-x, 0.0) for x in e]
    flat, tou = demand_charges(t, imp)
    peak = [max(imp[i] for i in MONTH_HOURS[m]) for m in range(12)]
    EC = list(Z)

    if opt in (0, 1):
        Y = float(case.get("year_end_sell_rate", 0.0)) if opt == 0 else 0.0
        net = [sum(e[i] for i in MONTH_HOURS[m]) for m in range(12)]
        X = list(Z)
        for m in range(12):
            if m == cm + 1:
                X[m] = max(net[m], 0.0)
            else:
                X[m] = max((X[m - 1] if m > 0 else 0.0) + net[m], 0.0)
        prev_surplus = None          # {period: S_p} of the previous month (option 0 carryover)
        B = list(Z)                  # $ balance after month m
        for m in range(12):
            limits, prices = month_tiers(t, m, peak[m])
            pers = months_periods(wd, we, m)
            N = {p: 0.0 for p in pers}
            if opt == 0 and prev_surplus is not None and m != cm + 1:
                Rp = [int(wd[m - 1][h]) for h in (0, 5, 11, 17)]
                Rc = [int(wd[m][h]) for h in (0, 5, 11, 17)]
                for p, s in prev_surplus.items():
                    if s > 0 and p in Rp:
                        N[Rc[Rp.index(p)]] += s
            for i in MONTH_HOURS[m]:
                N[per[i]] += e[i]
            S = {p: max(v, 0.0) for p, v in N.items()}
            E = {p: max(-v, 0.0) for p, v in N.items()}
            use = prorata(E, limits)
            g = sum(use[p][k] * prices[p][k][0] for p in pers for k in range(len(limits)))
            cr = 0.0
            if opt == 1:
                sur = prorata(S, limits)
                cr = sum(sur[p][k] * prices[p][k][1] for p in pers for k in range(len(limits)))
            prev_surplus = S
            ec = g
            bal = cr                 # this month's credits (option 1) or 0
            if rollover and m == cm:
                ec -= X[m] * Y
            if m > 0 and (m != cm + 1 or rollover):
                ec -= B[m - 1]
            if ec < 0:
                if opt == 1 or rollover:
                    bal -= ec
                ec = 0.0
            else:
                ec -= bal
                if ec < 0:
                    bal = -ec if (opt == 1 or rollover) else bal
                    ec = 0.0
                else:
                    bal = 0.0
            B[m] = bal
            EC[m] = ec
        pre = [EC[m] + flat[m] + tou[m] + F for m in range(12)]
        mins = apply_minimum(pre, t)
        tu = list(Z)
        if opt == 0 and not rollover and X[cm] > 0:
            tu[cm] = X[cm] * Y
        if opt == 1 and B[cm] > 0:
            tu[cm] = B[cm]
    else:  # options 2, 3
        expire = bool(st["ur_nb_credit_expire"])
        apply_now = bool(st["ur_nb_apply_credit_current_month"])
        B = list(Z)
        for m in range(12):
            limits, prices = month_tiers(t, m, peak[m])
            fi, fe = Fill(limits), Fill(limits)
            g = cr = 0.0
            for i in MONTH_HOURS[m]:
                if e[i] >= 0.0:
                    cr += fe.add(e[i], prices[per[i]], 1)
                else:
                    g += fi.add(-e[i], prices[per[i]], 0)
            if opt == 2:
                EC[m] = g - cr
                continue
            ec, bal = g, cr
            if m > 0 and m != cm + 1:
                ec -= B[m - 1]
            if apply_now:
                ec -= bal
                bal = 0.0
            if ec < 0:
                bal -= ec
                ec = 0.0
            B[m], EC[m] = bal, ec
        pre = [EC[m] + flat[m] + tou[m] + F for m in range(12)]
        mins = apply_minimum(pre, t)
        tu = list(Z)
        if opt == 3 and not expire and B[cm] > 0:
            tu[cm] = B[cm]
    for m in range(12):
        out["energy_charge"][m] = EC[m]
        out["demand_flat"][m] = flat[m]
        out["demand_tou"][m] = tou[m]
        out["fixed_charge"][m] = F
        out["minimum_charge"][m] = mins[m]
        out["true_up_credit"][m] = tu[m]
    return finish(out)


def finish(out):
    out["monthly_bill"] = [out["energy_charge"][m] + out["fixed_charge"][m] + out["demand_flat"][m]
                           + out["demand_tou"][m] + out["minimum_charge"][m] - out["true_up_credit"][m]
                           for m in range(12)]
    out["annual_bill"] = sum(out["monthly_bill"])
    return out


COMPARED = ["monthly_bill", "energy_charge", "fixed_charge", "demand_flat", "demand_tou",
            "minimum_charge", "true_up_credit"]


def compare(ref, sam):
    """max |diff| and a list of (key, month, ref, sam) over |diff| > 0."""
    worst, rows = 0.0, []
    for k in COMPARED:
        for m in range(12):
            d = abs(ref[k][m] - sam[k][m])
            worst = max(worst, d)
            rows.append((d, k, m, ref[k][m], sam[k][m]))
    rows.sort(reverse=True)
    return worst, rows


def read_series(path):
    with open(path) as f:
        assert f.readline().strip() == "kwh"
        v = [float(x) for x in f if x.strip()]
    assert len(v) == 8760
    return v


# ----------------------------------------------------------------------------------------------
# randomized trials
# ----------------------------------------------------------------------------------------------
def random_schedule(rng, nper):
    """12x24 weekday/weekend schedules with contiguous blocks; seasons share rows sometimes."""
    def row():
        cuts = sorted(rng.sample(range(1, 24), rng.randint(0, 4)))
        r, prev = [], 0
        for c in cuts + [24]:
            p = rng.randrange(nper)
            r += [p] * (c - prev)
            prev = c
        return r
    seasons = [row() for _ in range(rng.randint(1, 3))], [row() for _ in range(rng.randint(1, 3))]
    wd = [rng.choice(seasons[0]) for _ in range(12)]
    we = [rng.choice(seasons[1]) if rng.random() < 0.7 else list(wd[m]) for m in range(12)]
    return wd, we


def random_tiers(rng, ntier, scale, unit):
    maxes = sorted(rng.uniform(0.05, 1.0) * scale for _ in range(ntier - 1))
    return maxes


def random_tariff(rng, monthly_kwh, peak_kw):
    nper = rng.randint(1, 5)
    ntier = rng.choice([1, 1, 2, 3, 4, 5, 6])
    daily = rng.random() < 0.3
    unit = "kWh daily" if daily else "kWh"
    scale = monthly_kwh / (30.0 if daily else 1.0)
    if rng.random() < 0.3:          # small tiers: several tier crossings inside one hour
        scale *= rng.uniform(0.001, 0.05)
    maxes = random_tiers(rng, ntier, scale, unit)
    units = [unit] * ntier
    if rng.random() < 0.15 and ntier >= 2:   # kWh/kW block-step structure
        units = ["kWh/kW"] + [rng.choice(["kWh", "kWh/kW"]) for _ in range(ntier - 2)] + ["kWh/kW"]
        hours = sorted(rng.uniform(20, 500) for _ in range(ntier))
        kwh = sorted(rng.uniform(0.02, 1.0) * monthly_kwh for _ in range(ntier))
        maxes = [hours[k] if units[k] == "kWh/kW" else kwh[k] for k in range(ntier - 1)]
    ers = []
    for p in range(nper):
        tiers = []
        for k in range(ntier):
            tr = {}
            if k < ntier - 1:
                tr["max"] = round(maxes[k], 3)
            tr["rate"] = round(rng.uniform(0.02, 0.45), 5)
            if rng.random() < 0.25:
                tr["adj"] = round(rng.uniform(-0.02, 0.05), 5)
            if rng.random() < 0.85:
                tr["sell"] = round(rng.uniform(0.0, 0.35), 5)
            tr["unit"] = units[k]
            tiers.append(tr)
        ers.append(tiers)
    wd, we = random_schedule(rng, nper)
    t = {"energyratestructure": ers, "energyweekdayschedule": wd, "energyweekendschedule": we}
    if rng.random() < 0.5:
        nq = rng.randint(1, 3)
        nt = rng.randint(1, 2)
        lim = sorted(rng.uniform(0.5, 6.0) for _ in range(nt - 1))
        t["demandratestructure"] = [[dict(([("max", round(lim[k], 2))] if k < nt - 1 else []) + [("rate", round(rng.uniform(0, 20), 3))])
                                     for k in range(nt)] for _ in range(nq)]
        dwd, dwe = random_schedule(rng, nq)
        t["demandweekdayschedule"], t["demandweekendschedule"], t["demandrateunit"] = dwd, dwe, "kW"
    if rng.random() < 0.5:
        ns = rng.randint(1, 2)
        t["flatdemandstructure"] = []
        for _ in range(ns):
            nt = rng.randint(1, 3)
            lim = sorted(rng.uniform(0.5, 8.0) for _ in range(nt - 1))
            t["flatdemandstructure"].append([dict(([("max", round(lim[k], 2))] if k < nt - 1 else []) + [("rate", round(rng.uniform(0, 15), 3))]) for k in range(nt)])
        t["flatdemandmonths"] = [rng.randrange(ns) for _ in range(12)]
        t["flatdemandunit"] = "kW"
    if rng.random() < 0.6:
        t["fixedchargefirstmeter"], t["fixedchargeunits"] = round(rng.uniform(0, 30), 2), "$/month"
    r = rng.random()
    if r < 0.45:
        t["mincharge"], t["minchargeunits"] = round(rng.uniform(0, 80), 2), "$/month"
    elif r < 0.6:
        t["mincharge"], t["minchargeunits"] = round(rng.uniform(0, 900), 2), "$/year"
    return t


def random_meter(rng, base_load, base_gen):
    ls = rng.uniform(0.3, 3.0)
    gs = rng.uniform(0.2, 4.0)
    day_noise = [rng.uniform(0.3, 1.3) for _ in range(365)]
    load = [max(0.0, base_load[i] * ls * rng.uniform(0.7, 1.3)) for i in range(8760)]
    gen = [base_gen[i] * gs * day_noise[i // 24] if base_gen[i] > 0 else base_gen[i] for i in range(8760)]
    if rng.random() < 0.2:   # some zero-load hours
        for i in rng.sample(range(8760), 200):
            load[i] = 0.0
    return load, gen


def random_settings(rng, opt):
    s = {}
    if rng.random() < 0.6:
        s["ur_nm_credit_month"] = rng.randrange(12)
    if opt in (0, 1) and rng.random() < 0.4:
        s["ur_nm_credit_rollover"] = 1
    if opt == 3:
        if rng.random() < 0.4:
            s["ur_nb_credit_expire"] = 1
        if rng.random() < 0.4:
            s["ur_nb_apply_credit_current_month"] = 1
    return s


def run_random(n, seed, tol, with_settings, verbose):
    import generate  # PySAM only here, for the numbers we compare with
    bases = [(read_series(os.path.join(HERE, "loads", "pvsamv1_residential_load.csv")),
              read_series(os.path.join(HERE, "loads", "gen_residential.csv"))),
             ([x / 60.0 for x in read_series(os.path.join(HERE, "loads", "load_commercial.csv"))],
              [x / 60.0 for x in read_series(os.path.join(HERE, "loads", "gen_commercial_as_read_by_ssc_test.csv"))])]
    results = {}
    for name, opt in OPTION.items():
        rng = random.Random(f"{seed}-{name}-{with_settings}")
        worst, fails, rejected = 0.0, [], 0
        cov = collections.Counter()
        for trial in range(n):
            load, gen = random_meter(rng, *bases[0 if rng.random() < 0.75 else 1])
            mk = sum(load) / 12
            case = {"metering": name, "tariff": random_tariff(rng, mk, max(load))}
            if opt == 0:
                case["year_end_sell_rate"] = round(rng.uniform(0, 0.1), 5)
            if with_settings:
                case["ssc_settings"] = random_settings(rng, opt)
            try:
                sam, _ = generate.run_sam(generate.case_sam_inputs(case), load, gen)
            except Exception as ex:  # noqa: BLE001
                sam = ex
            try:
                ref = bill(case, load, gen)
            except ValueError as ex:
                ref = ex
            if isinstance(sam, Exception) or isinstance(ref, Exception):
                if isinstance(sam, Exception) and isinstance(ref, Exception):
                    rejected += 1
                    continue
                w, rows = math.inf, [(math.inf, "error", 0, 0.0, 0.0)]
                print(f"   trial {trial}: only one side rejected: ref={ref if isinstance(ref, Exception) else 'ok'} sam={sam if isinstance(sam, Exception) else 'ok'}")
            else:
                w, rows = compare(ref, sam)
                tt = case["tariff"]
                cov["kWh/kW"] += any(is_kwh_per_kw(x.get("unit", "")) for x in tt["energyratestructure"][0])
                cov["kWh daily"] += tt["energyratestructure"][0][0].get("unit") == "kWh daily"
                cov["multi-tier"] += len(tt["energyratestructure"][0]) > 1
                cov["demand"] += ("demandratestructure" in tt) or ("flatdemandstructure" in tt)
                cov["bill<0 month"] += any(x < 0 for x in sam["monthly_bill"])
                cov["min binds"] += any(x > 0 for x in sam["minimum_charge"])
                cov["$/year min"] += tt.get("minchargeunits") == "$/year"
                cov["true-up paid"] += any(x > 0 for x in sam["true_up_credit"])
                for k, v in case.get("ssc_settings", {}).items():
                    cov[f"{k}={v}"] += 1
            worst = max(worst, w)
            if w > tol:
                fails.append((trial, rows[:3], case))
        results[name] = (worst, fails)
        print(f"random {'settings ' if with_settings else ''}{name:22s}: {n} trials, max|diff| {worst:.2e} $, "
              f"{len(fails)} over {tol:g}, {rejected} rejected by both")
        print("   coverage: " + ", ".join(f"{k} {v}" for k, v in sorted(cov.items())))
        for trial, rows, case in fails[: (5 if verbose else 2)]:
            print(f"   trial {trial}: " + "; ".join(f"{k}[{m}] ref {r:.6f} sam {s:.6f}" for _, k, m, r, s in rows))
            if verbose:
                print("   ", json.dumps({k: v for k, v in case.items() if k != "tariff"}))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--settings", action="store_true", help="also randomize non-§5 ssc settings")
    ap.add_argument("--seed", default="nem")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    n_fail = 0
    files = sorted(glob.glob(os.path.join(HERE, "cases", "*.json")))
    for f in files:
        case = json.load(open(f))
        load = read_series(os.path.join(HERE, "loads", case["load"]))
        gen = read_series(os.path.join(HERE, "loads", case["generation"]))
        ref = bill(case, load, gen)
        w, rows = compare(ref, case["expected"])
        ok = w <= a.tol
        n_fail += not ok
        msg = f"{'PASS' if ok else 'FAIL'} {case['name']} [{case['metering']}]: annual ref {ref['annual_bill']:.6f} " \
              f"sam {case['expected']['annual_bill']:.6f}; max|diff| {w:.2e}"
        if not ok:
            msg += " :: " + "; ".join(f"{k}[{m}] ref {r:.6f} sam {s:.6f}" for _, k, m, r, s in rows[:4])
        print(msg)
    print(f"cases: {len(files) - n_fail}/{len(files)} match SAM within {a.tol:g} $ per month and component")
    if a.random:
        res = run_random(a.random, a.seed, a.tol, False, a.verbose)
        n_fail += sum(len(v[1]) > 0 for v in res.values())
        if a.settings:
            res = run_random(a.random, a.seed, a.tol, True, a.verbose)
            n_fail += sum(len(v[1]) > 0 for v in res.values())
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
