//! The water batch's memo: each distinct row input is billed once per
//! thread and batch (a bill is a pure function of its inputs, and a monthly
//! run repeats the same period, usage and meter size over and over). Kept
//! compact so that a run's lookups stay in the processor's cache: 16-byte
//! keys (an interned context id and the usage), 8-byte outcomes, and a seeded
//! multiply-rotate hash (the seed comes from std's random hasher state, so
//! crafted input cannot aim at collisions).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use chrono::Datelike;

/// Inputs kept at most; rows beyond are billed one by one.
pub const MEMO_LIMIT: usize = 1 << 16;
/// Distinct texts (meter sizes, classes) interned at most.
const TEXT_LIMIT: usize = 1024;

/// Everything of a row input but its usage, in 16 bytes: rows of a run
/// share a few of these (one period, a few meter sizes), so each gets a
/// small id and a key is the id and the usage.
#[derive(PartialEq, Eq, Clone, Copy)]
struct Context {
    from: i32,
    to: i32,
    residents: u32,
    meter: u16,
    class: u16,
    scale: u8,
    flags: u8,
}

/// Distinct contexts kept at most (beyond, rows are billed directly).
const CONTEXT_LIMIT: usize = 4096;

/// A row input in 16 bytes: its context's id and its usage's mantissa.
/// Rows whose usage does not fit an `i64` mantissa, or beyond the limits
/// on texts and contexts, have no key and are billed directly.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct Key {
    usage: i64,
    context: u32,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.usage as u64);
        state.write_u64(u64::from(self.context));
    }
}

/// The seeded hash of the memo's keys.
#[derive(Clone, Copy)]
pub struct Mix {
    seed: u64,
}

impl Mix {
    fn new() -> Mix {
        Mix {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

/// The state of one hash.
pub struct MixHasher {
    h: u64,
}

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(chunk) {
                *w = *b;
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.h = (self.h ^ v)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
    fn finish(&self) -> u64 {
        let h = self.h ^ (self.h >> 31);
        h.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ (h >> 29)
    }
}

impl BuildHasher for Mix {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher { h: self.seed }
    }
}

/// Kept outcomes are one `i64`: a total's mantissa, or (from `ERRORS`
/// up) the index of an error kept aside. Totals that low are not kept.
const ERRORS: i64 = i64::MIN;
const ERROR_SLOTS: i64 = 1 << 32;

/// Texts interned to small ids (0 stands for none), with the last one
/// looked up kept, since rows mostly repeat one meter size.
#[derive(Default)]
struct Interner<'a> {
    texts: Vec<&'a str>,
    last: Option<(&'a str, u16)>,
}

impl<'a> Interner<'a> {
    fn id(&mut self, text: Option<&'a str>) -> Option<u16> {
        let Some(text) = text else { return Some(0) };
        if let Some((t, id)) = self.last {
            if t == text {
                return Some(id);
            }
        }
        let id = match self.texts.iter().position(|t| *t == text) {
            Some(i) => u16::try_from(i + 1).ok()?,
            None if self.texts.len() < TEXT_LIMIT => {
                self.texts.push(text);
                u16::try_from(self.texts.len()).ok()?
            }
            None => return None,
        };
        self.last = Some((text, id));
        Some(id)
    }
}

/// What one thread has billed in one batch.
pub struct Memo<'a> {
    seen: HashMap<Key, i64, Mix>,
    errors: Vec<(&'static str, String)>,
    meters: Interner<'a>,
    classes: Interner<'a>,
    contexts: Vec<Context>,
    last: Option<(Context, u32)>,
}

impl<'a> Memo<'a> {
    /// An empty memo.
    pub fn new() -> Memo<'a> {
        Memo {
            seen: HashMap::with_hasher(Mix::new()),
            errors: Vec::new(),
            meters: Interner::default(),
            classes: Interner::default(),
            contexts: Vec::new(),
            last: None,
        }
    }

    /// The key of a row input, if it has one.
    #[allow(clippy::too_many_arguments)]
    pub fn key(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        usage: Option<(i128, u32)>,
        meter: Option<&'a str>,
        class: Option<&'a str>,
        residents: Option<u32>,
        estimated: bool,
    ) -> Option<Key> {
        let (usage, scale, has_usage) = match usage {
            Some((m, s)) => (i64::try_from(m).ok()?, u8::try_from(s).ok()?, 1),
            None => (0, 0, 0),
        };
        let context = Context {
            from: from.num_days_from_ce(),
            to: to.num_days_from_ce(),
            residents: residents.unwrap_or(0),
            meter: self.meters.id(meter)?,
            class: self.classes.id(class)?,
            scale,
            flags: has_usage | (u8::from(residents.is_some()) << 1) | (u8::from(estimated) << 2),
        };
        let id = match self.last {
            Some((c, id)) if c == context => id,
            _ => {
                let id = match self.contexts.iter().position(|c| *c == context) {
                    Some(i) => u32::try_from(i).ok()?,
                    None if self.contexts.len() < CONTEXT_LIMIT => {
                        self.contexts.push(context);
                        u32::try_from(self.contexts.len() - 1).ok()?
                    }
                    None => return None,
                };
                self.last = Some((context, id));
                id
            }
        };
        Some(Key { usage, context: id })
    }

    /// The outcome kept for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<Result<i128, (&'static str, String)>> {
        let kept = *self.seen.get(key)?;
        if kept < ERRORS + ERROR_SLOTS {
            let index = usize::try_from(kept - ERRORS).ok()?;
            let (code, message) = self.errors.get(index)?;
            return Some(Err((*code, message.clone())));
        }
        Some(Ok(i128::from(kept)))
    }

    /// Keeps `outcome` for `key` (while there is room).
    pub fn keep(&mut self, key: Key, outcome: &Result<i128, (&'static str, String)>) {
        if self.seen.len() >= MEMO_LIMIT {
            return;
        }
        let kept = match outcome {
            Ok(t) => match i64::try_from(*t) {
                Ok(t) if t >= ERRORS + ERROR_SLOTS => t,
                _ => return,
            },
            Err(e) => match i64::try_from(self.errors.len()) {
                Ok(i) if i < ERROR_SLOTS => {
                    self.errors.push(e.clone());
                    ERRORS + i
                }
                _ => return,
            },
        };
        self.seen.insert(key, kept);
    }
}
