//! `ratepayer gen-customers` (hidden): writes a synthetic customers CSV for
//! the built-in Shelby profile, to measure `bill-run` on large inputs without
//! keeping a large file in the repository. Deterministic: the same count
//! gives the same file.

use std::io::{BufWriter, Write};

use crate::cli::GenCustomersArgs;
use crate::error::CliError;

/// Runs the command.
pub fn run(args: &GenCustomersArgs) -> Result<(), CliError> {
    let file =
        std::fs::File::create(&args.out).map_err(|e| CliError::io(&args.out, "create", &e))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let io = |e: std::io::Error| CliError::io(&args.out, "write", &e);
    writeln!(out, "account,tariff,from,to,usage,unit,meter_size").map_err(io)?;
    let sizes = ["5/8", "5/8", "5/8", "3/4", "1", "1.5", "2"];
    let months = [
        ("2025-01-01", "2025-01-31"),
        ("2025-02-01", "2025-02-28"),
        ("2025-06-01", "2025-06-30"),
        ("2025-06-15", "2025-07-14"),
        ("2025-10-01", "2025-10-31"),
        ("2025-11-01", "2025-11-30"),
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        // xorshift64*: cheap, deterministic, good enough for test data.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for i in 0..args.count {
        let r = next();
        let (from, to) = months
            .get((r % months.len() as u64) as usize)
            .copied()
            .unwrap_or(("2025-10-01", "2025-10-31"));
        let account = format!("{:08}-{:07}", 10_000_000 + i, r % 10_000_000);
        match (r >> 8) % 10 {
            0..=5 => {
                let size = sizes
                    .get(((r >> 16) % sizes.len() as u64) as usize)
                    .copied()
                    .unwrap_or("5/8");
                let kgal = (r >> 24) % 250;
                writeln!(
                    out,
                    "{account},shelby-water-residential,{from},{to},{}.{},kgal,{size}",
                    kgal / 10,
                    kgal % 10
                )
                .map_err(io)?;
            }
            6..=7 => {
                let therms = (r >> 24) % 120;
                writeln!(
                    out,
                    "{account},shelby-gas-residential,{from},{to},{therms},therm,"
                )
                .map_err(io)?;
            }
            _ => {
                let kwh = 200 + (r >> 24) % 1800;
                writeln!(
                    out,
                    "{account},shelby-electric-residential,{from},{to},{kwh},kwh,"
                )
                .map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)
}
