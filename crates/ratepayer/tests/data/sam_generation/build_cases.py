#!/usr/bin/env python3
"""
Build cases/ssc_*.json and loads/gen_*.csv from the ssc unit tests (provenance script).

Reads NREL/ssc test/ssc_test/cmod_utilityrate5_test.cpp and the generation files from the
bare mirror (default /work/.mirror/NREL+ssc/repo), replays each TEST's ssc_data_set_* calls
up to each run_module() call, converts the SAM tariff to URDB form, and writes the case files
(then run `generate.py --write` to fill `expected`).  With --ssc-check it also runs PySAM on
each TEST's ORIGINAL inputs (25-year analysis, lifetime generation, 15-minute generation where
the test uses it) and prints SAM's year-1 with-system bill next to the test's EXPECT_NEAR value
and next to the 1-year hourly case value.

    /tmp/pysam/bin/python build_cases.py [--git-dir DIR] [--ssc-check]
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402

COMMIT = "e97a19f8e035b6c8845690ee23c01b598c36d550"
TEST_FILE = "test/ssc_test/cmod_utilityrate5_test.cpp"
BIG = 1e37
UNIT_NAME = {0: "kWh", 1: "kWh/kW", 2: "kWh daily", 3: "kWh/kW daily"}
METERING_NAME = {v: k for k, v in generate.METERING.items()}
PATHS = {
    "load_profile_path": ("test/input_cases/pvsamv1_data/pvsamv1_residential_load.csv", 1),
    "load_commercial": ("test/input_cases/utility_rate_data/load_commercial.csv", 1),
    "large_load_commercial": ("test/input_cases/utility_rate_data/load_commercial_large.csv", 1),
    "gen_path": ("test/input_cases/utility_rate_data/gen_25_year_residential.csv", 1),
    "one_year_gen_path": ("test/input_cases/utility_rate_data/gen_1_yr_residential.csv", 1),
    "commercial_gen_path": ("test/input_cases/utility_rate_data/gen_25_year_commercial.csv", 1),
    "subhourly_gen_path": ("test/input_cases/utility_rate_data/gen_residential_1_year_15_min.csv", 4),
}
LOAD_FILE = {"load_profile_path": "pvsamv1_residential_load.csv", "load_commercial": "load_commercial.csv",
             "large_load_commercial": "load_commercial_large.csv"}
GEN_FILE = {"gen_path": "gen_residential.csv", "one_year_gen_path": "gen_residential.csv",
            "commercial_gen_path": "gen_commercial_as_read_by_ssc_test.csv", "subhourly_gen_path": "gen_residential_15min_hourly_mean.csv"}

# (case name, TEST, run index within the TEST (0 = first run_module), what it exercises, [other TESTs with identical inputs])
CASES = [
    ("ssc_nm_tou_4period", "Test_Residential_TOU_Rates", 0, "4-period TOU, weekend all period 0; kWh carryover between TOU periods; December true-up of pooled excess at 0.02789 $/kWh", []),
    ("ssc_nm_tou_4period_trueup_may", "Test_Residential_net_metering_credits_in_may", 0, "as ssc_nm_tou_4period but true-up month May (ur_nm_credit_month 4): cumulative excess resets in June", []),
    ("ssc_nm_tou_4period_trueup_may_rollover", "Test_Residential_net_metering_credits_in_may_with_rollover", 0, "true-up month May with ur_nm_credit_rollover 1: May's year-end $ is applied to the bill and carried as $", []),
    ("ssc_nm_tou_4period_gen15min_hourly", "Test_Residential_TOU_Rates_subhourly_gen", 0, "option 0 with the test's 15-minute generation averaged to hourly", []),
    ("ssc_nm_tou_4period_no_yearend_rate", "Test_Residential_TOU_Rates_no_credit", 0, "year-end sell rate 0: excess kWh forfeited", []),
    ("ssc_nm_tou_4period_annual_min", "Test_Residential_TOU_Rates_annual_minimum", 0, "$100/year minimum that binds (charged in December)", []),
    ("ssc_nm_tou_6period_daily_tiers", "Test_Residential_TOU_Rates_w_tiers", 0, "6 seasonal periods x 2 `kWh daily` tiers; surplus carried by weekday hours 0/5/11/17 across seasons", []),
    ("ssc_nm_commercial_tou_demand", "Test_Commercial_Demand_Charges", 0, "commercial, TOU energy, 2-tier TOU demand on net import, fixed $30, year-end rate 0", []),
    ("ssc_nm_commercial_kwh_per_kw", "Test_Commercial_kWh_per_kW_charges", 0, "`kWh/kW` block-step tiers with generation (billing demand = net import peak)", []),
    ("ssc_nm_commercial_7tier", "Test_Commercial_Energy_Tiers_net_billing", 1, "7 monthly kWh tiers under net metering (the TEST's second run)", []),
    ("ssc_nmd_tou_4period_no_sell", "Test_Residential_TOU_Rates_net_metering_credits", 0, "option 1 without sell rates: surplus worth $0, large commercial PV on a residential load", []),
    ("ssc_nmd_tou_4period_sell_rollover", "Test_Residential_TOU_Rates_net_metering_credits_w_sell_rates_and_rollover", 0, "option 1, sell = buy, ur_nm_credit_rollover 1 (no year-1 effect); December payout", []),
    ("ssc_nb_tou_4period_no_sell_gen15min_hourly", "Test_Residential_TOU_Rates_net_billing", 0, "option 2 without sell rates; the test's 15-minute generation averaged to hourly", []),
    ("ssc_nb_tou_4period_sell", "Test_Residential_TOU_Rates_net_billing_w_sell_rates", 0, "option 2, sell = buy", []),
    ("ssc_nb_36_periods", "Test_Residential_TOU_Rates_w_36_periods", 0, "option 2, 36 periods with sell rates", []),
    ("ssc_nb_1period_4tiers_a", "Test_Residential_TOU_Rates_net_billing_w_tiers", 0, "option 2, block tiers 10/16/17 kWh with tiered sell rates; hour-by-hour fill, jumps two tiers in one hour", []),
    ("ssc_nb_1period_4tiers_b", "Test_Residential_TOU_Rates_net_billing_w_tiers_buy_rates", 0, "option 2, block tiers 4/4.5/5 kWh, sell = buy", []),
    ("ssc_nb_commercial_kwh_per_kw", "Test_Commercial_kWh_per_kW_charges", 1, "`kWh/kW` block-step tiers, hour-by-hour fill (the TEST's second run)", []),
    ("ssc_nb_commercial_7tier", "Test_Commercial_Energy_Tiers_net_billing", 0, "7 monthly kWh tiers, no sell rates, fixed $30", []),
    ("ssc_nbc_tou_4period", "Test_Residential_TOU_Rates_net_billing_carryover", 0, "option 3, sell = buy; $ carried to next month; December payout", []),
    ("ssc_nbc_tou_4period_trueup_april", "Test_Residential_TOU_Rates_net_billing_carryover_april_reset", 0, "option 3, true-up (payout) in April (ur_nm_credit_month 3)", []),
    ("ssc_nbc_tou_4period_trueup_january", "Test_Residential_TOU_Rates_net_billing_carryover_jan_reset", 0, "option 3, true-up in January (ur_nm_credit_month 0)", []),
    ("ssc_nbc_tou_4period_lower_sell", "Test_Residential_TOU_Rates_net_billing_carryover_lower_sell_rate", 0, "option 3, sell 0.05 < buy", []),
    ("ssc_nbc_tou_4period_monthly_min", "Test_Residential_TOU_Rates_net_billing_carryover_monthly_min", 0, "option 3 + $10/month minimum (binds in months with credits)", []),
    ("ssc_nbc_tou_4period_annual_min", "Test_Residential_TOU_Rates_net_billing_carryover_annual_min", 0, "option 3 + $100/year minimum (binds in December)", []),
    ("ssc_nbc_tou_4period_expire_apply", "Test_Residential_TOU_Rates_net_billing_carryover_inflow_outflow_expire", 0, "option 3, ur_nb_credit_expire 1 + ur_nb_apply_credit_current_month 1: credits used in the same month, no payout", []),
    ("ssc_nbc_tou_4period_apply_no_expire", "Test_Residential_TOU_Rates_net_billing_carryover_inflow_outflow_apply_no_expire", 0, "option 3, ur_nb_apply_credit_current_month 1, no expiry: December payout",
     ["Test_Residential_TOU_Rates_net_billing_carryover_inflow_outflow_expire_no_apply"]),
    ("ssc_basa_tou_4period_gen15min_hourly", "Test_Residential_TOU_Rates_buyall_sellall", 0, "option 4, sell = buy; the test's 15-minute generation averaged to hourly (negative stand-by values billed on the generation meter)", []),
]


def git_show(git_dir, path):
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


_ATOF = re.compile(r"[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def read_numbers(text):
    """Exactly what the ssc test harness's set_array() (test/input_cases/code_generator_utilities.h)
    reads: every comma-separated field of every line, through C atof().  A field that does not
    start with a number (a quoted time stamp, a header, a UTF-8 byte-order mark) becomes 0."""
    out = []
    for line in text.splitlines(keepends=True):
        for tok in line.split(","):
            if tok == "":
                continue  # strtok skips empty fields
            m = _ATOF.match(tok)
            out.append(float(m.group(1)) if m else 0.0)
    return out


def parse_tests(src):
    """{test name: (first line, last line, body text)} and the setup_residential_rates body."""
    lines = src.splitlines()
    tests, setup = {}, None
    starts = [(i, re.match(r"\s*TEST\(\s*\w+\s*,\s*(\w+)\s*\)", l)) for i, l in enumerate(lines)]
    starts = [(i, m.group(1)) for i, m in starts if m]
    for k, (i, name) in enumerate(starts):
        end = (starts[k + 1][0] if k + 1 < len(starts) else len(lines)) - 1
        while end > i and lines[end].strip() != "}":
            end -= 1
        tests[name] = (i + 1, end + 1, "\n".join(lines[i:end + 1]))
    i = next(n for n, l in enumerate(lines) if l.startswith("void setup_residential_rates"))
    j = next(n for n in range(i, len(lines)) if lines[n].startswith("}"))
    setup = "\n".join(lines[i:j + 1])
    return tests, setup


STMT = re.compile(
    r"ssc_number_t\s+(?P<arr>\w+)\[\d*\]\s*=\s*\{(?P<vals>[^}]*)\}\s*;"
    r"|int\s+(?P<ivar>\w+)\s*=\s*(?P<ival>[-\d.e+]+)\s*;"
    r"|ssc_data_set_number\(\s*data\s*,\s*\"(?P<nk>\w+)\"\s*,\s*(?P<nv>[^)]+)\)"
    r"|ssc_data_set_(?:matrix|array)\(\s*data\s*,\s*\"(?P<mk>\w+)\"\s*,\s*(?P<mv>\w+)\s*,\s*(?P<r>\d+)(?:\s*,\s*(?P<c>\d+))?\s*\)"
    r"|set_array\(\s*data\s*,\s*\"(?P<fk>\w+)\"\s*,\s*(?P<fv>\w+)\s*,[^)]*\)"
    r"|(?P<setup>setup_residential_rates\(\s*data\s*\))"
    r"|(?P<run>run_module\(\s*data)")


def replay(body, setup_body, state=None, runs=None):
    """Replay the ssc_data_set_* calls; return the list of input dicts at each run_module()."""
    state = {} if state is None else state
    runs = [] if runs is None else runs
    arrays, ints = {}, {}
    body = re.sub(r"//[^\n]*", "", body)
    for m in STMT.finditer(body):
        if m.group("arr"):
            arrays[m.group("arr")] = [float(x) for x in m.group("vals").replace("\n", " ").split(",") if x.strip()]
        elif m.group("ivar"):
            ints[m.group("ivar")] = float(m.group("ival"))
        elif m.group("nk"):
            v = m.group("nv").strip()
            state[m.group("nk")] = ints[v] if v in ints else float(v)
        elif m.group("mk"):
            vals, r, c = arrays[m.group("mv")], int(m.group("r")), m.group("c")
            state[m.group("mk")] = [vals[i * int(c):(i + 1) * int(c)] for i in range(r)] if c else vals
        elif m.group("fk"):
            state["_" + m.group("fk")] = m.group("fv")
        elif m.group("setup"):
            replay(setup_body.split("{", 1)[1], "", state, [])
        elif m.group("run"):
            runs.append(dict(state))
    return runs


def sam_to_urdb(s):
    """SAM utilityrate5 inputs -> URDB-form tariff (0-based periods; sell rates per tier)."""
    t = {}
    ers = {}
    for p, tier, mx, unit, buy, sell in s["ur_ec_tou_mat"]:
        tr = {}
        if mx < BIG:
            tr["max"] = mx
        tr["rate"] = buy
        if sell:
            tr["sell"] = sell
        tr["unit"] = UNIT_NAME[int(unit)]
        ers.setdefault(int(p) - 1, {})[int(tier) - 1] = tr
    assert sorted(ers) == list(range(len(ers)))
    t["energyratestructure"] = [[ers[p][j] for j in sorted(ers[p])] for p in sorted(ers)]
    t["energyweekdayschedule"] = [[int(v) - 1 for v in row] for row in s["ur_ec_sched_weekday"]]
    t["energyweekendschedule"] = [[int(v) - 1 for v in row] for row in s["ur_ec_sched_weekend"]]
    if s.get("ur_dc_enable", 0):
        drs = {}
        for p, tier, mx, rate in s["ur_dc_tou_mat"]:
            tr = {"max": mx} if mx < BIG else {}
            tr["rate"] = rate
            drs.setdefault(int(p) - 1, {})[int(tier) - 1] = tr
        if any(tr["rate"] for p in drs.values() for tr in p.values()):
            t["demandratestructure"] = [[drs[p][j] for j in sorted(drs[p])] for p in sorted(drs)]
            t["demandweekdayschedule"] = [[int(v) - 1 for v in row] for row in s["ur_dc_sched_weekday"]]
            t["demandweekendschedule"] = [[int(v) - 1 for v in row] for row in s["ur_dc_sched_weekend"]]
            t["demandrateunit"] = "kW"
        flat = {}
        for mo, tier, mx, rate in s["ur_dc_flat_mat"]:
            tr = {"max": mx} if mx < BIG else {}
            tr["rate"] = rate
            flat.setdefault(int(mo), {})[int(tier) - 1] = tr
        if any(tr["rate"] for mo in flat.values() for tr in mo.values()):
            structs, months = [], []
            for mo in range(12):
                st = [flat[mo][j] for j in sorted(flat[mo])]
                if st not in structs:
                    structs.append(st)
                months.append(structs.index(st))
            t["flatdemandstructure"], t["flatdemandmonths"], t["flatdemandunit"] = structs, months, "kW"
    if s.get("ur_monthly_fixed_charge", 0):
        t["fixedchargefirstmeter"], t["fixedchargeunits"] = s["ur_monthly_fixed_charge"], "$/month"
    assert not (s.get("ur_monthly_min_charge", 0) and s.get("ur_annual_min_charge", 0))
    if s.get("ur_monthly_min_charge", 0):
        t["mincharge"], t["minchargeunits"] = s["ur_monthly_min_charge"], "$/month"
    if s.get("ur_annual_min_charge", 0):
        t["mincharge"], t["minchargeunits"] = s["ur_annual_min_charge"], "$/year"
    return t


def write_series(path, vals):
    with open(path, "w") as f:
        f.write("kwh\n")
        for v in vals:
            f.write(repr(float(v)) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir", default="/work/.mirror/NREL+ssc/repo")
    ap.add_argument("--ssc-check", action="store_true")
    a = ap.parse_args()
    src = git_show(a.git_dir, TEST_FILE)
    tests, setup = parse_tests(src)
    data = {k: read_numbers(git_show(a.git_dir, p)) for k, (p, _) in PATHS.items()}
    # generation files (year 1, hourly)
    assert data["gen_path"][:8760] == data["one_year_gen_path"]
    write_series(os.path.join(HERE, "loads", "gen_residential.csv"), data["gen_path"][:8760])
    write_series(os.path.join(HERE, "loads", "gen_commercial_as_read_by_ssc_test.csv"), data["commercial_gen_path"][:8760])
    q = data["subhourly_gen_path"]
    write_series(os.path.join(HERE, "loads", "gen_residential_15min_hourly_mean.csv"),
                 [sum(q[4 * i:4 * i + 4]) / 4.0 for i in range(8760)])
    for k, fn in LOAD_FILE.items():
        vals = generate.read_series(os.path.join(HERE, "loads", fn))
        assert vals == data[k][:8760], fn
    report = []
    for name, test, run_idx, what, same in CASES:
        first, last, body = tests[test]
        runs = replay(body, setup)
        s = runs[run_idx]
        opt = int(s["ur_metering_option"])
        case = {"name": name, "description": what,
                "source": {"repo": "NREL/ssc", "commit": COMMIT, "file": TEST_FILE, "test": test,
                           "lines": f"{first}-{last}", "run": run_idx + 1, "ur_metering_option": opt}}
        if same:
            case["source"]["same_inputs_in"] = [{"test": t, "lines": "%d-%d" % tests[t][:2]} for t in same]
        case["metering"] = METERING_NAME[opt]
        if opt == 0:
            case["year_end_sell_rate"] = float(s.get("ur_nm_yearend_sell_rate", 0.0))
        settings = {k: int(s[k]) for k in generate.DEFAULT_SETTINGS if k in s and int(s[k]) != generate.DEFAULT_SETTINGS[k]}
        if settings:
            case["ssc_settings"] = settings
        case["tariff"] = sam_to_urdb(s)
        case["load"] = LOAD_FILE[s["_load"]]
        case["generation"] = GEN_FILE[s["_gen"]]
        case["tolerance_usd"] = 0.01
        case["expected"] = {}
        path = os.path.join(HERE, "cases", name + ".json")
        # keep the sam inputs of the case identical to the test's (tariff round trip)
        back = generate.case_sam_inputs(case)
        for k in ("ur_ec_tou_mat", "ur_ec_sched_weekday", "ur_ec_sched_weekend", "ur_monthly_fixed_charge",
                  "ur_monthly_min_charge", "ur_annual_min_charge", "ur_metering_option", "ur_nm_credit_month",
                  "ur_nm_credit_rollover", "ur_nb_credit_expire", "ur_nb_apply_credit_current_month"):
            if k in s:
                sv = s[k] if not isinstance(s[k], list) else [[min(float(x), 1e38) for x in r] for r in s[k]]
                bv = back[k] if not isinstance(back[k], list) else [[min(float(x), 1e38) for x in r] for r in back[k]]
                assert generate.max_abs_diff(sv, bv) == 0, (name, k)
        note = []
        if s["_gen"] == "subhourly_gen_path":
            note.append("The TEST uses 15-minute generation (gen_residential_1_year_15_min.csv) with an hourly load; "
                        "this case uses its hourly mean (loads/gen_residential_15min_hourly_mean.csv).")
        if s.get("analysis_period", 1) > 1:
            note.append(f"The TEST runs {int(s['analysis_period'])} years; only year 1 is used (analysis_period 1 here gives the same year 1).")
        case["source"]["note"] = " ".join(note)
        if a.ssc_check:
            # original inputs: lifetime gen, test analysis period, 15-min gen where used
            sam = {k: v for k, v in s.items() if not k.startswith("_") and k not in (
                "analysis_period", "system_use_lifetime_output", "inflation_rate", "ppa_multiplier_model",
                "ppa_price_input", "degradation", "rate_escalation", "load_escalation")}
            gen = data[s["_gen"]]
            ap_ = int(s.get("analysis_period", 1))
            life = int(s.get("system_use_lifetime_output", 0))
            if s["_gen"] == "one_year_gen_path":
                life = 0
            res, _ = generate.run_sam(sam, data[s["_load"]][:8760], gen[:8760 * PATHS[s["_gen"]][1] * (ap_ if life else 1)],
                                      analysis_period=ap_, lifetime=life)
            case["source"]["sam_year1_on_test_inputs"] = res["annual_bill"]
            report.append((name, res["annual_bill"]))
        generate.dump_json(case, path)
        print("wrote", path)
    for r in report:
        print("ORIGINAL-INPUT year-1 bill", *r)


if __name__ == "__main__":
    main()
