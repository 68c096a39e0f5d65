#!/usr/bin/env python3
"""
Build the custom cases (cases/custom_*.json) and their meter files; then run
`generate.py --write` to fill `expected`.  Deterministic (fixed seed).

Two tariffs, each under all five metering options, plus one option-4 case with kWh/kW tiers:
  A  residential: 3 seasonal TOU periods (one weekend-only, one that holds none of weekday hours
     0/5/11/17 in summer, so option 0 forfeits its surplus), 3 kWh tiers with per-tier, per-period
     sell rates, `adj` (one negative), $12 fixed, $25/month minimum, 2-tier flat demand.
  B  small commercial: 4 periods, 3 `kWh daily` tiers with sell rates, 2-tier TOU demand (2 periods),
     seasonal flat demand, $45 fixed, $/month minimum that binds in sunny months.
  C  buy-all/sell-all with `kWh/kW` block-step tiers (generation meter sells on the load meter's tiers).
  D  mixed `kWh/kW` block-step tiers whose effective limits do NOT increase (370 kWh/kW, 600 kWh,
     450 kWh, rest kWh/kW): with a billing demand above 1.7 kW the limits are 600, 450, open. Under all
     five options; options 2-4 fill tiers hour by hour, and SAM's fill then moves back from 600 to 450
     kWh, billing -150 kWh at the third tier (a differential test against PySAM found our fill had
     skipped that move: up to $410 a month apart).
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402


def series(name):
    return generate.read_series(os.path.join(HERE, "loads", name))


def write_series(name, vals):
    with open(os.path.join(HERE, "loads", name), "w") as f:
        f.write("kwh\n")
        for v in vals:
            f.write(repr(round(float(v), 6)) + "\n")


def row(spec):
    """spec: [(start_hour, period), ...] -> 24 values."""
    r = []
    for k, (h0, p) in enumerate(spec):
        h1 = spec[k + 1][0] if k + 1 < len(spec) else 24
        r += [p] * (h1 - h0)
    assert len(r) == 24
    return r


def tariff_a(rng):
    # periods: 0 off-peak, 1 on-peak, 2 weekend/solar "super off-peak"
    winter_wd = row([(0, 0), (7, 1), (10, 0), (17, 1), (21, 0)])
    summer_wd = row([(0, 0), (6, 2), (9, 0), (12, 2), (15, 1), (21, 0)])   # hour 11 -> 0, 12-14 period 2
    winter_we = row([(0, 0), (9, 2), (16, 0)])
    summer_we = row([(0, 2), (8, 0), (14, 1), (20, 0)])
    summer = {5, 6, 7, 8}
    wd = [summer_wd if m in summer else winter_wd for m in range(12)]
    we = [summer_we if m in summer else winter_we for m in range(12)]
    ers = []
    for p in range(3):
        base = [0.11, 0.31, 0.07][p]
        tiers = []
        for k, mx in enumerate([250.0, 600.0, None]):
            tr = {}
            if mx is not None:
                tr["max"] = mx
            tr["rate"] = round(base * (1 + 0.18 * k) + rng.uniform(-0.01, 0.01), 5)
            if (p, k) == (1, 2):
                tr["adj"] = -0.015
            elif k == 1:
                tr["adj"] = round(rng.uniform(0.002, 0.01), 5)
            tr["sell"] = round([0.06, 0.12, 0.03][p] * (1 - 0.25 * k), 5)
            tr["unit"] = "kWh"
            tiers.append(tr)
        ers.append(tiers)
    return {
        "energyratestructure": ers, "energyweekdayschedule": wd, "energyweekendschedule": we,
        "flatdemandstructure": [[{"max": 3.0, "rate": 1.5}, {"rate": 4.25}]], "flatdemandmonths": [0] * 12,
        "flatdemandunit": "kW",
        "fixedchargefirstmeter": 12.0, "fixedchargeunits": "$/month",
        "mincharge": 25.0, "minchargeunits": "$/month",
    }


def tariff_b(rng):
    w_wd = row([(0, 0), (8, 1), (16, 2), (21, 1), (23, 0)])
    s_wd = row([(0, 0), (7, 1), (13, 3), (19, 1), (22, 0)])
    w_we = row([(0, 0), (10, 1), (18, 0)])
    s_we = row([(0, 0), (11, 1), (17, 0)])
    summer = {4, 5, 6, 7, 8, 9}
    wd = [s_wd if m in summer else w_wd for m in range(12)]
    we = [s_we if m in summer else w_we for m in range(12)]
    ers = []
    for p in range(4):
        base = [0.08, 0.12, 0.19, 0.27][p]
        tiers = []
        for k, mx in enumerate([60.0, 150.0, None]):
            tr = {}
            if mx is not None:
                tr["max"] = mx
            tr["rate"] = round(base + 0.03 * k + rng.uniform(-0.005, 0.005), 5)
            tr["sell"] = round(base * rng.uniform(0.3, 0.8), 5)
            tr["unit"] = "kWh daily"
            tiers.append(tr)
        ers.append(tiers)
    dwd = [row([(0, 0), (12, 1), (20, 0)]) if m in summer else [0] * 24 for m in range(12)]
    dwe = [[0] * 24 for _ in range(12)]
    return {
        "energyratestructure": ers, "energyweekdayschedule": wd, "energyweekendschedule": we,
        "demandratestructure": [[{"max": 20.0, "rate": 2.0}, {"rate": 3.5}],
                                [{"max": 20.0, "rate": 9.0}, {"rate": 12.5}]],
        "demandweekdayschedule": dwd, "demandweekendschedule": dwe, "demandrateunit": "kW",
        "flatdemandstructure": [[{"rate": 4.0}], [{"max": 25.0, "rate": 6.0}, {"rate": 7.5}]],
        "flatdemandmonths": [1 if m in summer else 0 for m in range(12)], "flatdemandunit": "kW",
        "fixedchargefirstmeter": 45.0, "fixedchargeunits": "$/month",
        "mincharge": 350.0, "minchargeunits": "$/month",
    }


def tariff_c():
    t = tariff_a(random.Random(7))
    for p, tiers in enumerate(t["energyratestructure"]):
        base = tiers[0]["rate"]
        t["energyratestructure"][p] = [
            {"max": 100.0, "rate": round(base * 1.2, 5), "sell": round(base * 0.9, 5), "unit": "kWh/kW"},
            {"max": 300.0, "rate": round(base * 1.1, 5), "sell": round(base * 0.6, 5), "unit": "kWh"},
            {"max": 250.0, "rate": round(base * 0.9, 5), "sell": round(base * 0.4, 5), "unit": "kWh/kW"},
            {"rate": round(base * 0.7, 5), "sell": round(base * 0.2, 5), "unit": "kWh/kW"},
        ]
    del t["mincharge"], t["minchargeunits"]
    return t


def tariff_d():
    t = tariff_a(random.Random(11))
    for p, tiers in enumerate(t["energyratestructure"]):
        base = tiers[0]["rate"]
        t["energyratestructure"][p] = [
            {"max": 370.0, "rate": round(base * 0.8, 5), "sell": round(base * 0.7, 5), "unit": "kWh/kW"},
            {"max": 600.0, "rate": round(base * 1.3, 5), "sell": round(base * 0.5, 5), "unit": "kWh"},
            {"max": 450.0, "rate": round(base * 1.9, 5), "sell": round(base * 0.3, 5), "unit": "kWh"},
            {"rate": round(base * 0.6, 5), "sell": round(base * 0.2, 5), "unit": "kWh/kW"},
        ]
    return t


OPTS = [("nm", "net_metering"), ("nmd", "net_metering_dollar"), ("nb", "net_billing"),
        ("nbc", "net_billing_carryover"), ("basa", "buy_all_sell_all")]


def main():
    rng = random.Random(20261203)
    res_load, res_gen = series("pvsamv1_residential_load.csv"), series("gen_residential.csv")
    com_load = series("load_commercial.csv")
    write_series("custom_gen_pv_residential_x0.9.csv", [0.9 * g for g in res_gen])
    write_series("custom_load_small_commercial.csv", [x / 12.0 for x in com_load])
    write_series("custom_gen_pv_residential_x6.csv", [6.0 * g for g in res_gen])
    ta, tb = tariff_a(rng), tariff_b(rng)
    made = []
    for tag, t, load, gen, what in [
        ("res3p", ta, "pvsamv1_residential_load.csv", "custom_gen_pv_residential_x0.9.csv",
         "residential, 3 seasonal TOU periods (weekend-only super off-peak; summer period 2 holds none of weekday hours 0/5/11/17), "
         "3 kWh tiers with per-tier sell rates and adj (one negative), 2-tier flat demand, $12 fixed, $25/month minimum"),
        ("com4p", tb, "custom_load_small_commercial.csv", "custom_gen_pv_residential_x6.csv",
         "small commercial, 4 seasonal periods x 3 `kWh daily` tiers with sell rates, 2-tier TOU demand, seasonal flat demand, "
         "$45 fixed, $350/month minimum"),
    ]:
        for short, metering in OPTS:
            name = f"custom_{short}_{tag}"
            case = {"name": name, "description": what, "source": {"custom": True, "note": "build_custom_cases.py"},
                    "metering": metering}
            if metering == "net_metering":
                case["year_end_sell_rate"] = 0.031
            case.update({"tariff": t, "load": load, "generation": gen, "tolerance_usd": 0.01, "expected": {}})
            generate.dump_json(case, os.path.join(HERE, "cases", name + ".json"))
            made.append(name)
    name = "custom_basa_kwh_per_kw"
    case = {"name": name, "description": "buy-all/sell-all with `kWh/kW` block-step tiers (100 kWh/kW, 300 kWh step, 250 kWh/kW, rest) "
            "and tiered sell rates: the generation meter's sales fill the LOAD meter's block-step tiers",
            "source": {"custom": True, "note": "build_custom_cases.py"}, "metering": "buy_all_sell_all",
            "tariff": tariff_c(), "load": "pvsamv1_residential_load.csv", "generation": "custom_gen_pv_residential_x0.9.csv",
            "tolerance_usd": 0.01, "expected": {}}
    generate.dump_json(case, os.path.join(HERE, "cases", name + ".json"))
    made.append(name)
    for short, metering in OPTS:
        name = f"custom_{short}_mixed_kwh_per_kw"
        case = {"name": name, "description": "mixed `kWh/kW` block-step tiers (370 kWh/kW, 600 kWh, 450 kWh, rest) whose "
                "effective limits do not increase (600, 450 kWh, open, above 1.7 kW): hour-by-hour fill moves back a tier as SAM does",
                "source": {"custom": True, "note": "build_custom_cases.py"}, "metering": metering}
        if metering == "net_metering":
            case["year_end_sell_rate"] = 0.031
        case.update({"tariff": tariff_d(), "load": "pvsamv1_residential_load.csv",
                     "generation": "custom_gen_pv_residential_x0.9.csv", "tolerance_usd": 0.01, "expected": {}})
        generate.dump_json(case, os.path.join(HERE, "cases", name + ".json"))
        made.append(name)
    print("\n".join(made))


if __name__ == "__main__":
    main()
