#!/usr/bin/env python3
"""
Regenerate (--write) or check (--check, the default) the expected values of the
SAM `utilityrate5` conformance cases WITH customer generation (cases/*.json).

    /tmp/pysam/bin/python generate.py --check            # |diff| <= 1e-6 $ on every expected number
    /tmp/pysam/bin/python generate.py --write            # rewrite expected/diagnostics from PySAM
    /tmp/pysam/bin/python generate.py --check net_metering_tou_4period   # some cases only

Needs nrel-pysam==7.1.1.post1 (bundles libssc, ssc version 306) and numpy.

Each case is run for ONE analysis year (year 1), with no escalation, no degradation and
no inflation effect on year 1, exactly as the ssc test's year 1 (checked by build_cases.py).

URDB -> SAM mapping (explicit; PySAM's UtilityRateTools.URDBv8_to_ElectricityRates is not used):

  energyratestructure[p][t] -> ur_ec_tou_mat row
        (p+1, t+1, max or 1e38, unit code, rate+adj, sell or 0)
        unit code: kWh=0, kWh/kW=1, kWh daily=2, kWh/kW daily=3.  `adj` is added to the buy rate
        only; `sell` is used as written (SAM's 6th column, $/kWh).
  energyweekdayschedule / energyweekendschedule (0-based) -> ur_ec_sched_weekday/weekend (+1)
  demandratestructure[p][t] -> ur_dc_tou_mat row (p+1, t+1, max or 1e38, rate+adj)
  demandweekdayschedule / demandweekendschedule -> ur_dc_sched_weekday/weekend (+1)
  flatdemandstructure + flatdemandmonths -> ur_dc_flat_mat rows (month 0-11, t+1, max or 1e38, rate+adj)
  any demand structure present -> ur_dc_enable=1 (the missing one becomes a single $0 tier);
        none -> ur_dc_enable=0
  fixedchargefirstmeter + fixedchargeunits "$/month" -> ur_monthly_fixed_charge
  mincharge + minchargeunits "$/month" -> ur_monthly_min_charge; "$/year" -> ur_annual_min_charge

  case["metering"] -> ur_metering_option:
        net_metering 0, net_metering_dollar 1, net_billing 2, net_billing_carryover 3, buy_all_sell_all 4
  case["year_end_sell_rate"] (net_metering only; else 0) -> ur_nm_yearend_sell_rate
  SEMANTICS.md §5 settings unless case["ssc_settings"] overrides them (only ssc-test cases do):
        ur_nm_credit_month = 11 (true-up in December), ur_nm_credit_rollover = 0,
        ur_nb_credit_expire = 0, ur_nb_apply_credit_current_month = 0, ur_sell_eq_buy = 0,
        TOU_demand_single_peak = 0, ur_en_ts_buy_rate = ur_en_ts_sell_rate = 0,
        ur_enable_billing_demand = 0, analysis_period = 1, rate/load escalation 0.

  Meter data: Load.load = loads/<case.load> (kW per hourly step = kWh),
              SystemOutput.gen = loads/<case.generation> (kW per hourly step; SAM's system output,
              which can be slightly NEGATIVE at night: inverter stand-by draw).

Expected values (year 1, i.e. row 1 of the *_ym matrices):
  monthly_bill          utility_bill_w_sys_ym
  annual_bill           utility_bill_w_sys_year1
  energy_charge         charge_w_sys_ec_ym         (net of NEM / net-billing credits applied)
  energy_charge_gross   charge_w_sys_ec_gross_ym
  fixed_charge          charge_w_sys_fixed_ym
  demand_flat           charge_w_sys_dc_fixed_ym
  demand_tou            charge_w_sys_dc_tou_ym
  minimum_charge        charge_w_sys_minimum_ym
  true_up_credit        true_up_credits_ym         (year-end / true-up payment, subtracted from the bill)
  nm_dollars_applied    nm_dollars_applied_ym      (options 0/1: credits applied to energy charges)
  net_billing_credits   net_billing_credits_ym     (options 2/3)
  two_meter_sales       two_meter_sales_ym         (option 4)
  excess_kwh            excess_kwhs_earned_ym      (kWh: month's positive net export, not option 4)
  identity checked in every month:
      monthly_bill = energy_charge + fixed_charge + demand_flat + demand_tou + minimum_charge - true_up_credit
"""
import argparse
import glob
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BIG = 1e38
UNIT_CODE = {"kwh": 0, "kwh/kw": 1, "kwh daily": 2, "kwh/kw daily": 3}
METERING = {"net_metering": 0, "net_metering_dollar": 1, "net_billing": 2,
            "net_billing_carryover": 3, "buy_all_sell_all": 4}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DEFAULT_SETTINGS = {"ur_nm_credit_month": 11, "ur_nm_credit_rollover": 0,
                    "ur_nb_credit_expire": 0, "ur_nb_apply_credit_current_month": 0}
EXPECTED_KEYS = [
    ("monthly_bill", "utility_bill_w_sys_ym"),
    ("energy_charge", "charge_w_sys_ec_ym"),
    ("energy_charge_gross", "charge_w_sys_ec_gross_ym"),
    ("fixed_charge", "charge_w_sys_fixed_ym"),
    ("demand_flat", "charge_w_sys_dc_fixed_ym"),
    ("demand_tou", "charge_w_sys_dc_tou_ym"),
    ("minimum_charge", "charge_w_sys_minimum_ym"),
    ("true_up_credit", "true_up_credits_ym"),
    ("nm_dollars_applied", "nm_dollars_applied_ym"),
    ("net_billing_credits", "net_billing_credits_ym"),
    ("two_meter_sales", "two_meter_sales_ym"),
    ("excess_kwh", "excess_kwhs_earned_ym"),
]


def _mx(tier):
    return float(tier["max"]) if tier.get("max") is not None else BIG


def _rate(tier):
    return float(tier.get("rate", 0.0)) + float(tier.get("adj", 0.0) or 0.0)


def _sched(m):
    assert len(m) == 12 and all(len(r) == 24 for r in m), "schedule must be 12x24"
    return [[int(v) + 1 for v in row] for row in m]


def urdb_to_sam(t):
    d = {"en_electricity_rates": 1}
    d["ur_ec_tou_mat"] = [[p + 1, j + 1, _mx(tr), UNIT_CODE[str(tr.get("unit", "kWh")).lower()],
                           _rate(tr), float(tr.get("sell", 0.0) or 0.0)]
                          for p, tiers in enumerate(t["energyratestructure"]) for j, tr in enumerate(tiers)]
    d["ur_ec_sched_weekday"] = _sched(t["energyweekdayschedule"])
    d["ur_ec_sched_weekend"] = _sched(t["energyweekendschedule"])
    has_tou, has_flat = "demandratestructure" in t, "flatdemandstructure" in t
    if has_tou or has_flat:
        d["ur_dc_enable"] = 1
        if has_tou:
            d["ur_dc_tou_mat"] = [[p + 1, j + 1, _mx(tr), _rate(tr)]
                                  for p, tiers in enumerate(t["demandratestructure"]) for j, tr in enumerate(tiers)]
            d["ur_dc_sched_weekday"] = _sched(t["demandweekdayschedule"])
            d["ur_dc_sched_weekend"] = _sched(t["demandweekendschedule"])
        else:
            d["ur_dc_tou_mat"] = [[1, 1, BIG, 0.0]]
            d["ur_dc_sched_weekday"] = [[1] * 24 for _ in range(12)]
            d["ur_dc_sched_weekend"] = [[1] * 24 for _ in range(12)]
        if has_flat:
            fm = t["flatdemandmonths"]
            d["ur_dc_flat_mat"] = [[m, j + 1, _mx(tr), _rate(tr)]
                                   for m in range(12) for j, tr in enumerate(t["flatdemandstructure"][int(fm[m])])]
        else:
            d["ur_dc_flat_mat"] = [[m, 1, BIG, 0.0] for m in range(12)]
    else:
        d["ur_dc_enable"] = 0
    d["ur_monthly_fixed_charge"] = 0.0
    if "fixedchargefirstmeter" in t:
        assert t.get("fixedchargeunits", "$/month") == "$/month"
        d["ur_monthly_fixed_charge"] = float(t["fixedchargefirstmeter"])
    d["ur_monthly_min_charge"] = 0.0
    d["ur_annual_min_charge"] = 0.0
    if "mincharge" in t:
        u = t.get("minchargeunits", "$/month")
        d["ur_annual_min_charge" if u == "$/year" else "ur_monthly_min_charge"] = float(t["mincharge"])
        assert u in ("$/month", "$/year")
    d["ur_enable_billing_demand"] = 0
    return d


def read_series(path):
    with open(path) as f:
        header = f.readline().strip()
        assert header == "kwh", f"{path}: header must be 'kwh', got {header!r}"
        vals = [float(line) for line in f if line.strip()]
    assert len(vals) == 8760, f"{path}: {len(vals)} rows"
    return vals


def case_sam_inputs(case):
    d = urdb_to_sam(case["tariff"])
    d["ur_metering_option"] = METERING[case["metering"]]
    d["ur_nm_yearend_sell_rate"] = float(case.get("year_end_sell_rate", 0.0))
    d.update(DEFAULT_SETTINGS)
    d.update(case.get("ssc_settings", {}))
    return d


def new_model(sam_inputs, load, gen, analysis_period=1, lifetime=0):
    """A utilityrate5 model populated with the rate, load and generation (not run)."""
    import PySAM.Utilityrate5 as Utilityrate5
    m = Utilityrate5.new()
    m.Lifetime.system_use_lifetime_output = lifetime
    m.Lifetime.analysis_period = analysis_period
    m.Lifetime.inflation_rate = 0.0
    m.SystemOutput.gen = list(gen)
    m.SystemOutput.degradation = [0.0]
    m.Load.load = list(load)
    m.Load.load_escalation = [0.0]
    er = m.ElectricityRates
    er.rate_escalation = [0.0]
    er.ur_en_ts_buy_rate = 0
    er.ur_en_ts_sell_rate = 0
    er.ur_ts_buy_rate = [0.0]
    er.ur_ts_sell_rate = [0.0]
    er.ur_nm_yearend_sell_rate = 0.0
    er.ur_sell_eq_buy = 0
    er.TOU_demand_single_peak = 0
    er.ur_enable_billing_demand = 0
    for k, v in DEFAULT_SETTINGS.items():
        m.value(k, v)
    for k, v in sam_inputs.items():
        m.value(k, v)
    return m


def run_sam(sam_inputs, load, gen, analysis_period=1, lifetime=0):
    """Run utilityrate5; return (expected dict, diagnostics dict) for year 1, with system."""
    m = new_model(sam_inputs, load, gen, analysis_period, lifetime)
    m.execute(0)
    o = m.Outputs
    res = {k: list(getattr(o, name)[1]) for k, name in EXPECTED_KEYS}
    res["annual_bill"] = float(o.utility_bill_w_sys_year1)
    diag = {
        "monthly_net_import_kwh": list(o.year1_monthly_use_w_system),
        "monthly_peak_import_kw": list(o.year1_monthly_peak_w_system),
        "cumulative_excess_kwh": list(o.year1_monthly_cumulative_excess_generation),
    }
    by = []
    for mo in MONTHS:
        e = getattr(o, f"energy_w_sys_ec_{mo}_tp")
        s = getattr(o, f"surplus_w_sys_ec_{mo}_tp")
        by.append({"periods": [int(r[0]) - 1 for r in e[1:-1]], "tiers": [int(x) - 1 for x in e[0][1:-1]],
                   "import_kwh": [list(r[1:-1]) for r in e[1:-1]],
                   "export_kwh": [list(r[1:-1]) for r in s[1:-1]]})
    diag["energy_by_period_tier"] = by
    return res, diag


def run_case(case):
    load = read_series(os.path.join(HERE, "loads", case["load"]))
    gen = read_series(os.path.join(HERE, "loads", case["generation"]))
    return run_sam(case_sam_inputs(case), load, gen)


def identity_error(res):
    return max(abs(res["monthly_bill"][m] - (res["energy_charge"][m] + res["fixed_charge"][m] + res["demand_flat"][m]
                                            + res["demand_tou"][m] + res["minimum_charge"][m] - res["true_up_credit"][m]))
               for m in range(12))


def max_abs_diff(a, b):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        return max([0.0] + [max_abs_diff(x, y) for x, y in zip(a, b)])
    if isinstance(a, dict):
        assert set(a) == set(b), (sorted(a), sorted(b))
        return max([0.0] + [max_abs_diff(a[k], b[k]) for k in a])
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b))
    return 0.0 if a == b else math.inf


def dump_json(obj, path):
    """Indented JSON; lists/dicts of scalars stay on one line (schedules, tiers, monthly values)."""
    def enc(o, ind):
        pad = " " * ind
        if isinstance(o, dict):
            if all(not isinstance(x, (list, dict)) for x in o.values()):
                return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in o.items()) + "}"
            return "{\n" + ",\n".join(f'{pad} {json.dumps(k)}: {enc(v, ind + 1)}' for k, v in o.items()) + "\n" + pad + "}"
        if isinstance(o, list):
            if all(not isinstance(x, (list, dict)) for x in o):
                return "[" + ", ".join(json.dumps(x) for x in o) + "]"
            return "[\n" + ",\n".join(f"{pad} {enc(v, ind + 1)}" for v in o) + "\n" + pad + "]"
        return json.dumps(o)
    with open(path, "w") as fh:
        fh.write(enc(obj, 0) + "\n")


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="overwrite expected/diagnostics with PySAM results")
    g.add_argument("--check", action="store_true", help="compare with PySAM (default)")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(HERE, "cases", "*.json")))
    if a.cases:
        files = [f for f in files if os.path.splitext(os.path.basename(f))[0] in a.cases]
    n_fail = 0
    for f in files:
        case = json.load(open(f))
        name = os.path.splitext(os.path.basename(f))[0]
        res, diag = run_case(case)
        ident = identity_error(res)
        if a.write:
            case["expected"] = res
            case["diagnostics"] = diag
            dump_json(case, f)
        d_exp = max_abs_diff(case["expected"], res)
        d_diag = max_abs_diff(case.get("diagnostics", diag), diag)
        ok = d_exp <= a.tol and d_diag <= a.tol and ident <= 1e-6
        print(f"{'PASS' if ok else 'FAIL'} {name} [{case['metering']}]: annual {res['annual_bill']:.6f} "
              f"(expected {case['expected']['annual_bill']:.6f}); max|diff| expected {d_exp:.2e}, "
              f"diagnostics {d_diag:.2e}; bill identity {ident:.1e}")
        n_fail += not ok
    print(f"{len(files) - n_fail}/{len(files)} cases {'written' if a.write else 'verified'} (tol {a.tol:g})")
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
