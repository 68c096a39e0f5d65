//! The CSV readers take any bytes without panicking (property tests stand in
//! for a fuzzer here), and accept what they document.

use proptest::prelude::*;
use ratepayer_cli::customers_csv::CustomerReader;
use ratepayer_cli::usage_csv::{parse_usage, UsageFile};

fn read_all_customers(bytes: &[u8]) -> (u64, u64) {
    let Ok(mut reader) = CustomerReader::new(bytes) else {
        return (0, 1);
    };
    let (mut ok, mut bad) = (0, 0);
    while let Some(row) = reader.next_customer() {
        match row {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(!e.message.is_empty());
                bad += 1;
            }
        }
    }
    (ok, bad)
}

/// Bytes that look like CSV often enough to reach the row parsers.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"date,reading\n".to_vec()),
        Just(b"date,reading,kind\n".to_vec()),
        Just(b",exchange_out\n".to_vec()),
        Just(b",exchange_out_estimated\n".to_vec()),
        Just(b",exchange_in\n".to_vec()),
        Just(b"timestamp,kwh\n".to_vec()),
        Just(b"account,tariff,from,to,usage,unit,meter_size,class,residents,estimated\n".to_vec()),
        Just(b"2025-10-01,".to_vec()),
        Just(b"2025-02-30".to_vec()),
        Just(b"12.5".to_vec()),
        Just(b"-0.000001".to_vec()),
        Just(b"\"a,\"\"b\"".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b",,,,\r\n".to_vec()),
        Just(b"2025-10-01T00:00:00+25:00".to_vec()),
        Just(b"99999999999999999999999999999999".to_vec()),
        prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn usage_reader_never_panics(bytes in csvish()) {
        let _ = parse_usage(&bytes, "usage.csv");
    }

    #[test]
    fn usage_reader_never_panics_on_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_usage(&bytes, "usage.csv");
    }

    #[test]
    fn customers_reader_never_panics(bytes in csvish()) {
        let _ = read_all_customers(&bytes);
    }

    #[test]
    fn customers_reader_never_panics_on_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_all_customers(&bytes);
    }

    #[test]
    fn well_formed_reads_round_trip(values in prop::collection::vec(0u32..1_000_000, 2..40)) {
        let mut text = String::from("date,reading\n");
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
        for (i, v) in values.iter().enumerate() {
            let day = start + chrono::Days::new(i as u64);
            text.push_str(&format!("{day},{v}\n"));
        }
        let parsed = parse_usage(text.as_bytes(), "usage.csv");
        prop_assert!(matches!(&parsed, Ok(UsageFile::Reads(r)) if r.reads.len() == values.len() && r.exchange.is_none()), "{parsed:?}");
    }
}

#[test]
fn header_decides_reads_or_intervals() {
    let reads = parse_usage(b"Date, Reading\n2025-10-01, 1\n2025-11-01,2\n", "u.csv");
    assert!(matches!(reads, Ok(UsageFile::Reads(r)) if r.reads.len() == 2));
    let intervals = parse_usage(
        b"timestamp,kwh\n2025-10-01T00:00:00-05:00,1.5\n2025-10-01 01:00,0.25\n",
        "u.csv",
    );
    assert!(
        matches!(intervals, Ok(UsageFile::Intervals(i)) if i.len() == 2 && i.first().is_some_and(|x| x.offset.is_some()))
    );
    let err = parse_usage(b"", "u.csv")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("the file is empty"), "{err}");
    let err = parse_usage(b"date,reading\n2025-10-01,1\n", "u.csv")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("at least two"), "{err}");
}

#[test]
fn a_meter_exchange_is_two_rows_of_the_same_day() {
    let ok = parse_usage(
        b"date,reading,kind\n2025-10-01,9950,\n2025-10-11,30,exchange_out_estimated\n2025-10-11,0,exchange_in\n2025-11-01,12,actual\n",
        "u.csv",
    );
    let Ok(UsageFile::Reads(r)) = ok else {
        panic!("{ok:?}");
    };
    assert_eq!(r.reads.len(), 2);
    let x = r.exchange.unwrap_or_else(|| panic!("no exchange"));
    assert_eq!(x.date.to_string(), "2025-10-11");
    assert_eq!(x.old_final.to_string(), "30");
    assert!(x.old_final_kind.is_estimated());
    assert_eq!(x.new_initial.to_string(), "0");
    // Each mistake is named with its line.
    let err = |text: &[u8]| {
        parse_usage(text, "u.csv")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = err(b"date,reading,kind\n2025-10-01,1,\n2025-10-11,30,exchange_out\n2025-11-01,2,\n");
    assert!(
        e.contains("line 3") && e.contains("needs an `exchange_in`"),
        "{e}"
    );
    let e = err(
        b"date,reading,kind\n2025-10-01,1,\n2025-10-11,30,exchange_out\n2025-10-12,0,exchange_in\n",
    );
    assert!(
        e.contains("line 4") && e.contains("both are read on the day"),
        "{e}"
    );
    let e = err(b"date,reading,kind\n2025-10-11,30,exchange_out\n2025-10-11,0,exchange_in\n2025-10-21,31,exchange_out\n2025-10-21,0,exchange_in\n");
    assert!(
        e.contains("a second `exchange_out`") && e.contains("a second `exchange_in`"),
        "{e}"
    );
    let e = err(b"date,reading,kind\n2025-10-11,30,swap\n2025-10-12,0,\n");
    assert!(e.contains("exchange_out"), "{e}");
}

#[test]
fn many_bad_rows_are_counted_but_listed_up_to_a_limit() {
    let mut text = String::from("date,reading\n");
    for _ in 0..50 {
        text.push_str("yesterday,1\n");
    }
    let err = parse_usage(text.as_bytes(), "u.csv")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("50 problem(s)"), "{err}");
    assert!(err.contains("... and 30 more"), "{err}");
}

#[test]
fn customers_rows_borrow_their_fields() {
    let csv = b"account,tariff,from,to,usage,unit,meter_size,class,residents,estimated\n A-1 ,t,2025-10-01,2025-10-31,7.4,kgal,5/8,res,3,yes\nA-2,t,2025-10-01,2025-10-31,,,,,,\n";
    let Ok(mut reader) = CustomerReader::new(&csv[..]) else {
        panic!("the header is valid");
    };
    let first = reader.next_customer().and_then(Result::ok).map(|c| {
        (
            c.account.to_string(),
            c.usage.map(|u| u.to_string()),
            c.residents,
            c.estimated,
            c.line,
        )
    });
    assert_eq!(
        first,
        Some(("A-1".into(), Some("7.4".into()), Some(3), true, 2))
    );
    let second = reader
        .next_customer()
        .and_then(Result::ok)
        .map(|c| (c.usage, c.unit, c.meter_size));
    assert_eq!(second, Some((None, None, None)));
    assert!(reader.next_customer().is_none());
}
