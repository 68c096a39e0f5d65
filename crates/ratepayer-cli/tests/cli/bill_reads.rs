//! `ratepayer bill` with register reads (issue 14): usage prorated by days
//! when reads are off the period's bounds (said in the JSON `notes` and
//! `reads` and under the table), refused when no read brackets the period;
//! `--dials`, `--multiplier` and a meter exchange.

use super::{profile, ratepayer, scratch, write, Run};

/// $10 a month and $2 a kgal.
const FLAT: &str = "id = \"flat\"\nname = \"Flat water\"\nutility = \"Test\"\nservice = \"water\"\ncurrency = \"USD\"\nunit = \"kgal\"\n\n[[versions]]\nlabel = \"2025\"\neffective_from = 2025-01-01\n  [[versions.fixed]]\n  name = \"Service charge\"\n  amount = 10.00\n  [[versions.volumetric]]\n  name = \"Water\"\n  blocks = [{ rate = 2.00 }]\n";

/// Bills October 2025 from `reads` under the flat tariff.
fn flat(name: &str, reads: &str, extra: &[&str]) -> Run {
    let dir = scratch(name);
    let tariff = write(&dir, "flat.toml", FLAT);
    let usage = write(&dir, "reads.csv", reads);
    let mut args = vec![
        "bill",
        "--tariff",
        &tariff,
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-10-31",
    ];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

fn shelby(name: &str, reads: &str, extra: &[&str]) -> (Run, String) {
    let dir = scratch(name);
    let usage = write(&dir, "usage.csv", reads);
    let shelby = profile("shelby");
    let mut args = vec![
        "bill",
        "--profile",
        &shelby,
        "--tariff",
        "shelby-water-residential",
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-10-31",
        "--meter-size",
        "5/8",
    ];
    args.extend_from_slice(extra);
    (ratepayer(&args), dir.display().to_string())
}

#[test]
fn reads_off_the_period_bounds_are_prorated_and_said_in_json_and_table() {
    // 7.4 kgal over 28 Sep to 31 Oct (34 days): October's 31 days are billed
    // 7.4 x 31 / 34 = 6.747 kgal, not all of it.
    let reads = "date,reading\n2025-09-28,1200.0\n2025-11-01,1207.4\n";
    let (run, _) = shelby("reads-prorated", reads, &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert!(
        v["usage"]["value"]
            .as_str()
            .is_some_and(|u| u.starts_with("6.7470588")),
        "{v}"
    );
    assert_eq!(v["total"], "52.45", "{v}");
    assert_eq!(v["reads"]["prorated"], true);
    assert_eq!(v["reads"]["measured"]["from"], "2025-09-28");
    assert_eq!(v["reads"]["measured_usage"], "7.4");
    let notes = v["notes"].as_array().cloned().unwrap_or_default();
    assert_eq!(notes.len(), 1, "{v}");
    assert!(
        notes[0]
            .as_str()
            .is_some_and(|n| n.contains("usage prorated by days")),
        "{v}"
    );
    // The table says it too, on stdout.
    let (run, _) = shelby("reads-prorated-table", reads, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Note: usage prorated by days"),
        "{}",
        run.stdout
    );
    // Reads on the bounds: nothing prorated, no note.
    let (run, _) = shelby(
        "reads-exact",
        "date,reading\n2025-10-01,1200.0\n2025-11-01,1207.4\n",
        &["--json"],
    );
    let v = run.json();
    assert_eq!(v["total"], "57.22", "{v}");
    assert_eq!(v["reads"]["prorated"], false);
    assert_eq!(v["notes"], serde_json::json!([]));
}

#[test]
fn a_period_no_read_brackets_is_refused() {
    // The last read is on 31 October: 31 October itself is not measured.
    let (run, dir) = shelby(
        "reads-unbracketed",
        "date,reading\n2025-10-01,1200.0\n2025-10-31,1207.4\n",
        &["--json"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!("unbracketed_period", run.stderr.replace(&dir, "DIR"));
}

#[test]
fn dials_decide_the_rollover() {
    let reads = "date,reading\n2025-10-01,9995\n2025-11-01,3\n";
    // A 4-dial register rolled over: 8 kgal, 10 + 16.
    let run = flat("dials-4", reads, &["--dials", "4", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["usage"]["value"], "8");
    assert_eq!(run.json()["total"], "26.00");
    assert_eq!(run.json()["reads"]["rolled_over"], true);
    // Without --dials a lower read is refused, and the message says --dials.
    let run = flat("dials-none", reads, &["--json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--dials"), "{}", run.stderr);
    // At 5 dials a drop from 9995 to 3 is no rollover.
    let run = flat("dials-5", reads, &["--dials", "5"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("below the read"), "{}", run.stderr);
    // A read the register cannot show.
    let run = flat("dials-3", reads, &["--dials", "3"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("3-dial register"), "{}", run.stderr);
    for bad in ["0", "13", "four"] {
        let run = flat("dials-bad", reads, &["--dials", bad]);
        assert_eq!(run.code, 2, "--dials {bad}: {run:?}");
    }
}

#[test]
fn the_multiplier_scales_the_register() {
    // A register read in hundreds of gallons: 74 x 0.1 kgal = 7.4 kgal.
    let reads = "date,reading\n2025-10-01,1200\n2025-11-01,1274\n";
    let run = flat("multiplier", reads, &["--multiplier", "0.1", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["usage"]["value"], "7.4");
    assert_eq!(run.json()["total"], "24.80");
    for bad in ["0", "-1", "1e2", "x"] {
        let run = flat("multiplier-bad", reads, &["--multiplier", bad]);
        assert_eq!(run.code, 2, "--multiplier {bad}: {run:?}");
    }
}

#[test]
fn a_meter_exchange_adds_both_meters() {
    // Old meter 100 -> 103 until 11 October; the new one, read in tenths of
    // a kgal, 0 -> 50 (5 kgal): 8 kgal, 10 + 16.
    let reads = "date,reading,kind\n2025-10-01,100,actual\n2025-10-11,103,exchange_out\n2025-10-11,0,exchange_in\n2025-11-01,50,actual\n";
    let run = flat(
        "exchange",
        reads,
        &["--new-multiplier", "0.1", "--new-dials", "5", "--json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["usage"]["value"], "8", "{v}");
    assert_eq!(v["total"], "26.00", "{v}");
    assert_eq!(v["reads"]["exchange"], "2025-10-11");
    assert!(
        v["notes"].as_array().is_some_and(|n| n.iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("meter exchanged on 2025-10-11")))),
        "{v}"
    );
    // The new meter defaults to the old one's description: 50 kgal then.
    let run = flat("exchange-default", reads, &["--json"]);
    assert_eq!(run.json()["total"], "116.00", "{run:?}");
    // An estimated final read of the old meter marks the usage estimated.
    let run = flat(
        "exchange-estimated",
        &reads.replace("exchange_out", "exchange_out_estimated"),
        &["--json"],
    );
    assert_eq!(run.json()["usage"]["estimated"], true, "{run:?}");
    // A plain read on the exchange day is refused (whose meter is it?).
    let run = flat(
        "exchange-plain-read",
        &reads.replace(
            "2025-10-11,103,exchange_out\n",
            "2025-10-11,103,exchange_out\n2025-10-11,104,actual\n",
        ),
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("the day the meter was exchanged"),
        "{}",
        run.stderr
    );
}

#[test]
fn register_options_that_cannot_apply_are_refused() {
    let reads = "date,reading\n2025-10-01,1200\n2025-11-01,1274\n";
    let run = flat("new-dials-no-exchange", reads, &["--new-dials", "4"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("meter exchange"), "{}", run.stderr);
    let intervals = "timestamp,kwh\n2025-10-01T00:00,1\n2025-10-01T01:00,1\n";
    let run = flat("dials-intervals", intervals, &["--dials", "5"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("interval usage"), "{}", run.stderr);
}
