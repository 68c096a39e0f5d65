//! A small progress bar for long runs, drawn on stderr: the share of the
//! input read, rows done, rows per second and the time left. It redraws at
//! most ten times a second, so it costs nothing measurable.

use std::io::Write;
use std::time::{Duration, Instant};

/// Rows between two looks at the clock.
const CHECK_EVERY: u64 = 4096;
/// The least time between two redraws.
const REDRAW: Duration = Duration::from_millis(100);
/// Width of the bar in characters.
const WIDTH: u64 = 30;

/// A progress bar over `total` bytes of input.
#[derive(Debug)]
pub struct ProgressBar {
    enabled: bool,
    unit: &'static str,
    total: u64,
    start: Instant,
    last: Instant,
}

impl ProgressBar {
    /// A bar over `total` bytes; draws nothing unless `enabled`.
    pub fn new(enabled: bool, total: u64) -> ProgressBar {
        let now = Instant::now();
        ProgressBar {
            enabled,
            unit: "customers",
            total,
            start: now,
            last: now,
        }
    }

    /// A bar over `total` rows of `unit` (such as "accounts"), moved by
    /// [`ProgressBar::step`] (for inputs counted before the work starts).
    pub fn rows(enabled: bool, total: u64, unit: &'static str) -> ProgressBar {
        ProgressBar {
            unit,
            ..ProgressBar::new(enabled, total)
        }
    }

    /// Notes `done` of the bar's rows; redraws when it is time.
    pub fn step(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) >= REDRAW {
            self.last = now;
            self.draw(done, done);
        }
    }

    /// Time since the bar was made.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Notes `rows` done and `bytes` read; redraws when it is time.
    pub fn tick(&mut self, rows: u64, bytes: u64) {
        if !self.enabled || rows % CHECK_EVERY != 0 {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) >= REDRAW {
            self.last = now;
            self.draw(rows, bytes);
        }
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self, rows: u64) {
        if self.enabled {
            self.draw(rows, self.total);
            let _ = writeln!(std::io::stderr());
        }
    }

    fn draw(&mut self, rows: u64, bytes: u64) {
        let total = self.total.max(1);
        let done = bytes.min(total);
        let percent = done.saturating_mul(100) / total;
        let filled = done.saturating_mul(WIDTH) / total;
        let bar: String = (0..WIDTH)
            .map(|i| if i < filled { '#' } else { '-' })
            .collect();
        let secs = self.start.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        let left = if done > 0 && secs > 0.0 {
            let remaining = secs * (total - done) as f64 / done as f64;
            format!("{remaining:.0}s left")
        } else {
            "--".to_string()
        };
        let _ = write!(
            std::io::stderr(),
            "\r[{bar}] {percent:>3}% {} {}, {}/s, {left}   ",
            thousands(rows),
            self.unit,
            thousands(rate as u64)
        );
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
