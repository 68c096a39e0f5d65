//! Replays the fuzz corpora
//! (`fuzz/corpus/{tariff_toml,tariff_json,amount,account_number,password,registration,urdb,portal}`)
//! on stable through the very checks the fuzz targets run (`fuzz/checks.rs`),
//! so every seed and every input the fuzzer kept is a regression test.
//!
//! A file that panics fails the test, named with the panic message. Seeds
//! named `ok-*` must load (and bill, for tariffs); `bad-*` must be refused;
//! `edge-*` and files the fuzzer added only must not panic. Every tariff of the
//! built-in profiles must have a standalone seed that loads to the same data,
//! so the corpus stays meaningful (regenerate with `python3 fuzz/make_seeds.py`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../../fuzz/checks.rs"]
mod checks;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use ratepayer::profile::builtin;
use ratepayer::{Tariff, TariffError};

type Loader = fn(&str) -> Result<Tariff, TariffError>;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// Every file of a corpus, sorted by name, with its bytes.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    files
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Runs `check` on every file of the corpus of `target`, each under
/// `catch_unwind`; fails naming every file that panicked. Returns the
/// result of each file that did not.
fn replay<T>(target: &str, check: fn(&[u8]) -> T) -> Vec<(String, T)> {
    let mut results = Vec::new();
    let mut panics = Vec::new();
    for (name, bytes) in corpus(target) {
        match panic::catch_unwind(AssertUnwindSafe(|| check(&bytes))) {
            Ok(r) => results.push((name, r)),
            Err(payload) => panics.push(format!(
                "fuzz/corpus/{target}/{name}: {}",
                panic_message(&*payload)
            )),
        }
    }
    assert!(
        panics.is_empty(),
        "{} corpus file(s) panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
    results
}

/// Checks the `ok-`/`bad-` expectations of the tariff seeds.
fn tariff_expectations(target: &str, results: &[(String, checks::Outcome)]) {
    let mut wrong = Vec::new();
    for (name, o) in results {
        if name.starts_with("ok-profile-") {
            if !o.profile || o.bills == 0 {
                wrong.push(format!(
                    "{name}: a valid profile seed did not load or bill: {o:?}"
                ));
            }
        } else if name.starts_with("ok-") {
            if !o.tariff || o.bills == 0 {
                wrong.push(format!(
                    "{name}: a valid tariff seed did not load or bill: {o:?}"
                ));
            }
        } else if name.starts_with("bad-") && (o.tariff || o.profile) {
            wrong.push(format!("{name}: an invalid seed loaded: {o:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/{target}:\n{}",
        wrong.join("\n")
    );
    let ok = results.iter().filter(|(n, _)| n.starts_with("ok-")).count();
    let bad = results
        .iter()
        .filter(|(n, _)| n.starts_with("bad-"))
        .count();
    assert!(
        ok >= 10 && bad >= 10,
        "fuzz/corpus/{target} has {ok} ok- and {bad} bad- seeds"
    );
}

#[test]
fn tariff_toml_corpus_replays() {
    let results = replay("tariff_toml", checks::tariff_toml);
    tariff_expectations("tariff_toml", &results);
}

#[test]
fn tariff_json_corpus_replays() {
    let results = replay("tariff_json", checks::tariff_json);
    tariff_expectations("tariff_json", &results);
}

#[test]
fn amount_corpus_replays() {
    let results = replay("amount", checks::amount);
    let mut wrong = Vec::new();
    for (name, r) in &results {
        match r {
            Some(Ok(_)) if name.starts_with("bad-") => {
                wrong.push(format!("{name}: accepted: {r:?}"))
            }
            Some(Err(_)) | None if name.starts_with("ok-") => {
                wrong.push(format!("{name}: refused: {r:?}"))
            }
            _ => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/amount:\n{}",
        wrong.join("\n")
    );
    assert!(results.len() >= 30, "only {} amount seeds", results.len());
}

/// Account-number seeds: `ok-*` normalize in the default format
/// (`00065821-0672430`), `bad-*` are refused with a code; `edge-*` (other
/// formats, invalid UTF-8, one-time payment forms) must only not panic.
#[test]
fn account_number_corpus_replays() {
    let results = replay("account_number", checks::account_number);
    let mut wrong = Vec::new();
    for (name, r) in &results {
        match r {
            Some(Ok(_)) if name.starts_with("bad-") => {
                wrong.push(format!("{name}: accepted: {r:?}"))
            }
            Some(Err(_)) | None if name.starts_with("ok-") => {
                wrong.push(format!("{name}: refused: {r:?}"))
            }
            _ => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/account_number:\n{}",
        wrong.join("\n")
    );
    let count = |prefix: &str| {
        results
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .count()
    };
    assert!(
        count("ok-") >= 5 && count("bad-") >= 10,
        "fuzz/corpus/account_number has {} ok- and {} bad- seeds",
        count("ok-"),
        count("bad-")
    );
}

/// Password seeds: `ok-*` are accepted by the NIST SP 800-63B-4 preset with
/// the password the only factor; `bad-*` are refused by both presets, MFA
/// off and on; `edge-*` (invalid UTF-8, format characters, the exact byte
/// cap, MFA-only and legacy-only passwords) must only not panic.
#[test]
fn password_corpus_replays() {
    let results = replay("password", checks::password);
    let mut wrong = Vec::new();
    for (name, o) in &results {
        if name.starts_with("ok-") && !o.nist_single_factor {
            wrong.push(format!("{name}: refused: {o:?}"));
        }
        if name.starts_with("bad-") && (o.nist_single_factor || o.nist_mfa || o.legacy) {
            wrong.push(format!("{name}: accepted: {o:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/password:\n{}",
        wrong.join("\n")
    );
    let count = |prefix: &str| {
        results
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .count()
    };
    assert!(
        count("ok-") >= 5 && count("bad-") >= 10,
        "fuzz/corpus/password has {} ok- and {} bad- seeds",
        count("ok-"),
        count("bad-")
    );
}

/// Registration seeds: `ok-*` are accepted by at least one seed recipe,
/// `bad-*` by none; nothing panics and every refusal to verify ownership is
/// the one public response.
#[test]
fn registration_corpus_replays() {
    let results = replay("registration", checks::registration);
    let mut wrong = Vec::new();
    for (name, o) in &results {
        if name.starts_with("ok-") && o.accepted.is_empty() {
            wrong.push(format!("{name}: refused by every recipe"));
        }
        if name.starts_with("bad-") && !o.accepted.is_empty() {
            wrong.push(format!("{name}: accepted by {:?}", o.accepted));
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/registration:\n{}",
        wrong.join("\n")
    );
    assert!(results.iter().filter(|(n, _)| n.starts_with("ok-")).count() >= 4);
}

/// Every tariff of every built-in profile has a standalone TOML and JSON seed
/// that loads to exactly the profile's tariff (rounding policy included).
#[test]
fn every_profile_tariff_has_a_loading_seed() {
    let mut checked = 0;
    for id in builtin::ids() {
        let profile = builtin::load(id).unwrap_or_else(|e| panic!("built-in profile {id}: {e}"));
        for expected in profile.tariffs() {
            let loaders: [(&str, &str, Loader); 2] = [
                ("tariff_toml", "toml", Tariff::from_toml),
                ("tariff_json", "json", Tariff::from_json),
            ];
            for (target, ext, load) in loaders {
                let path = corpus_dir(target).join(format!("ok-{}.{ext}", expected.id()));
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!(
                        "{}: {e}; regenerate the seeds with `python3 fuzz/make_seeds.py`",
                        path.display()
                    )
                });
                let seed =
                    load(&text).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()));
                assert_eq!(
                    seed.spec(),
                    expected.spec(),
                    "{} differs from profile {id}; regenerate the seeds with `python3 fuzz/make_seeds.py`",
                    path.display()
                );
                assert!(
                    checks::bill_tariff(&seed) > 0,
                    "{} bills nothing",
                    path.display()
                );
                checked += 1;
            }
        }
        for (target, ext) in [("tariff_toml", "toml"), ("tariff_json", "json")] {
            let path = corpus_dir(target).join(format!("ok-profile-{id}.{ext}"));
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }
    assert!(checked > 0, "no profile tariff seed was checked");
}

/// URDB seeds: `ok-*` import and bill both months of the check's series under
/// both rounding policies; `bad-*` are refused; `edge-*` must only not panic.
#[test]
fn urdb_corpus_replays() {
    let results = replay("urdb", checks::urdb);
    let mut wrong = Vec::new();
    for (name, r) in &results {
        if name.starts_with("ok-") && (!r.imported || r.months != 4) {
            wrong.push(format!("{name}: {r:?}"));
        }
        if name.starts_with("bad-") && r.imported {
            wrong.push(format!("{name}: imported"));
        }
    }
    assert!(wrong.is_empty(), "fuzz/corpus/urdb:\n{}", wrong.join("\n"));
    assert!(results.len() >= 20, "only {} urdb seeds", results.len());
}

/// Portal seeds: `ok-*` register (and the journey's seed passes every call
/// that takes text), `bad-*` do not; nothing panics, and a refused
/// registration leaves no login (checked inside the target).
#[test]
fn portal_corpus_replays() {
    let results = replay("portal", checks::portal);
    let mut wrong = Vec::new();
    for (name, o) in &results {
        if name.starts_with("ok-") && !o.registered {
            wrong.push(format!("{name}: not registered"));
        }
        if name.starts_with("bad-") && o.registered {
            wrong.push(format!("{name}: registered"));
        }
        // Linking the registered account again is refused ("already linked").
        if name == "ok-shelby-journey" && o.accepted.len() != 6 {
            wrong.push(format!("{name}: accepted only {:?}", o.accepted));
        }
        if name == "ok-card-number-token-refused" && o.accepted.contains(&"payment_method") {
            wrong.push(format!("{name}: a card number was stored as a token"));
        }
    }
    assert!(
        wrong.is_empty(),
        "fuzz/corpus/portal:\n{}",
        wrong.join("\n")
    );
    assert!(results.len() >= 6, "only {} portal seeds", results.len());
}
