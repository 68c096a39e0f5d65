//! `ratepayer password check`: checks a new password, read from stdin (never
//! from the command line, where other users and shell history would see it),
//! against a policy; prints every failure's code and message, never the
//! password. Exit 0 when accepted, 1 when refused.

use std::io::Read;

use ratepayer::password::{Mfa, PasswordContext, PasswordPolicy, MAX_PASSWORD_BYTES};
use serde_json::json;

use crate::cli::PasswordCheckArgs;
use crate::error::CliError;
use crate::input;
use crate::output::{print_json, println_out};

/// Runs the command, reading the password from `stdin`.
pub fn run(args: &PasswordCheckArgs, json: bool, stdin: impl Read) -> Result<(), CliError> {
    let policy = match args.policy.as_str() {
        "nist" => PasswordPolicy::nist_800_63b_4(),
        "legacy" => PasswordPolicy::legacy_composition(),
        other => input::profile(other)?.spec().password.clone(),
    };
    let mut fields: [Vec<&str>; 5] = Default::default();
    for word in &args.context {
        let (slot, value) = match word.split_once('=') {
            Some(("username", v)) => (0, v),
            Some(("email", v)) => (1, v),
            Some(("account", v)) => (2, v),
            Some(("utility", v)) => (3, v),
            Some(("street", v)) => (4, v),
            Some((k, _)) => {
                return Err(CliError::Domain(format!(
                    "--context `{k}=...`: `{k}` is not a context field; use username, email, account, utility or street (or a bare word, taken as the username)"
                )))
            }
            None => (0, word.as_str()),
        };
        if let Some(f) = fields.get_mut(slot) {
            f.push(value);
        }
    }
    let joined: Vec<String> = fields.iter().map(|f| f.join(" ")).collect();
    let get = |i: usize| joined.get(i).map(String::as_str).filter(|s| !s.is_empty());
    let context = PasswordContext {
        username: get(0),
        email: get(1),
        account_number: get(2),
        utility_name: get(3),
        street: get(4),
    };
    let password = read_password(stdin)?;
    let mfa = if args.mfa { Mfa::On } else { Mfa::Off };
    let failures = match policy.check(&password, &context, mfa) {
        Ok(_) => Vec::new(),
        Err(f) => f,
    };
    drop(password);
    if json {
        let list: Vec<_> = failures
            .iter()
            .map(|f| json!({ "code": f.code, "message": f.message }))
            .collect();
        print_json(&json!({ "accepted": failures.is_empty(), "failures": list }))?;
    } else if failures.is_empty() {
        println_out("accepted: the password meets the policy")?;
    } else {
        let mut text = format!("refused: {} rule(s) broken", failures.len());
        for f in &failures {
            text.push_str(&format!("\n  {:<28} {}", f.code, f.message));
        }
        println_out(&text)?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Domain(format!(
            "the password is refused: {}",
            failures
                .iter()
                .map(|f| f.code)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// Reads the password: all of stdin less one trailing newline, capped a
/// little above the policy's byte cap so an oversized one is still refused
/// by the policy with its own message.
fn read_password(stdin: impl Read) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    stdin
        .take(MAX_PASSWORD_BYTES as u64 + 3)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Domain(format!("cannot read the password from stdin: {e}")))?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(CliError::Domain(
            "no password on stdin; pipe it in, for example `printf '%s' \"$PW\" | ratepayer password check`".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        CliError::Domain("the password on stdin is not UTF-8 text; send it as UTF-8".into())
    })
}
