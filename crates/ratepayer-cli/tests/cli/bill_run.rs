//! `ratepayer bill-run`.

use std::path::Path;

use super::{profile, ratepayer, scratch, write};

const CUSTOMERS: &str = "account,tariff,from,to,usage,unit,meter_size\n\
00065821-0672430,shelby-water-residential,2025-10-01,2025-10-31,7.4,kgal,5/8\n\
00065822-0672431,shelby-gas-residential,2025-10-01,2025-10-31,42,therm,\n\
\"00065823-0672432\",shelby-electric-residential,2025-10-01,2025-10-31,100,kwh,\n";

fn run_bill_run(dir: &Path, customers: &str, extra: &[&str]) -> (super::Run, std::path::PathBuf) {
    let input = write(dir, "customers.csv", customers);
    let out = dir.join("bills.csv");
    let out_s = out.display().to_string();
    let shelby = profile("shelby");
    let mut args = vec![
        "bill-run",
        "--profile",
        &shelby,
        "--customers",
        &input,
        "--out",
        &out_s,
    ];
    args.extend_from_slice(extra);
    (ratepayer(&args), out)
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "customers.csv")
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bills_every_customer_into_the_out_csv() {
    let dir = scratch("run-ok");
    let (run, out) = run_bill_run(&dir, CUSTOMERS, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("billed 3 of 3 customers (0 errors)"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    insta::assert_snapshot!(text);
    assert_eq!(leftovers(&dir), ["bills.csv"], "no temporary file is left");
}

#[test]
fn json_summary_and_optional_columns() {
    let dir = scratch("run-json");
    let customers = "tariff,account,to,from,usage,residents,estimated,meter_size\n\
shelby-water-residential,A-1,2025-10-31,2025-10-01,7.4,3,true,5/8\n";
    let (run, out) = run_bill_run(&dir, customers, &["--json", "--progress", "never"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["customers"], 1);
    assert_eq!(v["billed"], 1);
    assert_eq!(v["errors"], 0);
    assert!(v["per_second"].is_number());
    let text = std::fs::read_to_string(out).unwrap_or_default();
    assert!(text.contains("A-1,shelby-water-residential,2025-10-01,2025-10-31,31,7.4,kgal,57.22,0.00,57.22,USD,ok,"), "{text}");
}

#[test]
fn a_bad_row_writes_nothing_and_lists_every_problem() {
    let dir = scratch("run-bad");
    let customers = format!(
        "{CUSTOMERS}X-1,shelby-water-residential,2025-10-01,2025-10-31,7.4,kgal,9/9\n\
X-2,nope,2025-10-01,2025-10-31,1,kgal,5/8\n\
X-3,shelby-water-residential,2025-10-01,31/10/2025,1,kgal,5/8\n\
X-4,shelby-water-residential,2025-10-01,2025-10-31,1\n"
    );
    let (run, out) = run_bill_run(&dir, &customers, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!out.exists(), "the out file must not be written");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let message = run.stderr.replace(&dir.display().to_string(), "DIR");
    assert!(message.contains("4 problem(s)"), "{message}");
    insta::assert_snapshot!(message);
}

#[test]
fn an_existing_out_file_is_left_alone_on_failure() {
    let dir = scratch("run-keep-old");
    let out = write(&dir, "bills.csv", "old\n");
    let (run, _) = run_bill_run(&dir, "account,tariff\n", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("lacks the column(s) from, to, usage"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(out).unwrap_or_default(), "old\n");
}

#[test]
fn keep_going_writes_error_rows_and_exits_1() {
    let dir = scratch("run-keep-going");
    let customers =
        format!("{CUSTOMERS}X-1,shelby-water-residential,2025-10-01,2025-10-31,,kgal,5/8\n");
    let (run, out) = run_bill_run(&dir, &customers, &["--keep-going"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("1 customer(s) could not be billed"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(out).unwrap_or_default();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.contains("X-1,,,,,,,,,,,error,\"line 5: `usage` is empty"),
        "{text}"
    );
}

#[test]
fn bad_headers_and_files() {
    let dir = scratch("run-headers");
    for (customers, expect) in [
        ("", "the file is empty"),
        ("account,tariff,from,to,usage,colour\n", "unknown column `colour`"),
        ("account,account,tariff,from,to,usage\n", "twice"),
        ("\u{feff}account,tariff,from,to,usage\nA,shelby-water-residential,2025-10-01,2025-10-31,1\n", "meter_size"),
    ] {
        let (run, out) = run_bill_run(&dir, customers, &[]);
        assert_eq!(run.code, 1, "{customers:?}: {run:?}");
        assert!(run.stderr.contains(expect), "{customers:?}: {}", run.stderr);
        assert!(!out.exists());
    }
    let shelby = profile("shelby");
    let out = dir.join("o.csv").display().to_string();
    let run = ratepayer(&[
        "bill-run",
        "--profile",
        &shelby,
        "--customers",
        "/no/such.csv",
        "--out",
        &out,
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    let input = write(&dir, "same.csv", CUSTOMERS);
    let run = ratepayer(&[
        "bill-run",
        "--profile",
        &shelby,
        "--customers",
        &input,
        "--out",
        &input,
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("is the customers file"),
        "{}",
        run.stderr
    );
}

#[test]
fn progress_bar_when_asked() {
    let dir = scratch("run-progress");
    let mut customers = String::from("account,tariff,from,to,usage,unit,meter_size\n");
    for i in 0..9000 {
        customers.push_str(&format!(
            "A-{i},shelby-water-residential,2025-10-01,2025-10-31,{}.5,kgal,5/8\n",
            i % 30
        ));
    }
    let (run, _) = run_bill_run(&dir, &customers, &["--progress", "always"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("100% 9,000 customers"),
        "{}",
        run.stderr
    );
    let (run, _) = run_bill_run(&dir, &customers, &["--progress", "never"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let run = ratepayer(&["bill-run", "--profile", "shelby"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = ratepayer(&[
        "bill-run",
        "--profile",
        "shelby",
        "--customers",
        "c.csv",
        "--out",
        "o.csv",
        "--progress",
        "sometimes",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn help_documents_the_customers_csv() {
    let run = ratepayer(&["help", "bill-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    for column in [
        "account",
        "tariff",
        "meter_size",
        "residents",
        "estimated",
        "--keep-going",
    ] {
        assert!(run.stdout.contains(column), "{column}: {}", run.stdout);
    }
}
