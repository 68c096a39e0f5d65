//! The water batch's memo: each distinct row input is billed once per
//! thread and batch (a bill is a pure function of its inputs, and a monthly
//! run repeats the same period, usage and meter size over and over). Kept
//! compact so that a run's lookups stay in the processor's cache: 32-byte
//! keys with text interned to small ids, 16-byte outcomes, and a seeded
//! multiply-rotate hash (the seed comes from std's random hasher state, so
//! crafted input cannot aim at collisions).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use chrono::Datelike;

/// Inputs kept at most; rows beyond are billed one by one.
pub const MEMO_LIMIT: usize = 1 << 16;
/// Distinct texts (meter sizes, classes) interned at most.
const TEXT_LIMIT: usize = 1024;

/// A row input in 32 bytes. Rows whose usage does not fit an `i64`
/// mantissa, or with more distinct texts than kept, have no key and are
/// billed directly.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct Key {
    usage: i64,
    from: i32,
    to: i32,
    residents: u32,
    meter: u16,
    class: u16,
    scale: u8,
    flags: u8,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.usage as u64);
        state.write_u64((u64::from(self.from as u32) << 32) | u64::from(self.to as u32));
        state.write_u64(
            (u64::from(self.residents) << 32)
                | (u64::from(self.meter) << 16)
                | u64::from(self.class),
        );
        state.write_u64((u64::from(self.scale) << 8) | u64::from(self.flags));
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

/// A kept outcome: the total's mantissa, or the index of its error.
#[derive(Clone, Copy)]
pub enum Kept {
    /// The total's mantissa at the currency's minor unit.
    Total(i64),
    /// The index of the error in the memo's error list.
    Error(u32),
}

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
    seen: HashMap<Key, Kept, Mix>,
    errors: Vec<(&'static str, String)>,
    meters: Interner<'a>,
    classes: Interner<'a>,
}

impl<'a> Memo<'a> {
    /// An empty memo.
    pub fn new() -> Memo<'a> {
        Memo {
            seen: HashMap::with_hasher(Mix::new()),
            errors: Vec::new(),
            meters: Interner::default(),
            classes: Interner::default(),
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
        Some(Key {
            usage,
            from: from.num_days_from_ce(),
            to: to.num_days_from_ce(),
            residents: residents.unwrap_or(0),
            meter: self.meters.id(meter)?,
            class: self.classes.id(class)?,
            scale,
            flags: has_usage | (u8::from(residents.is_some()) << 1) | (u8::from(estimated) << 2),
        })
    }

    /// The outcome kept for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<Result<i128, (&'static str, String)>> {
        match self.seen.get(key)? {
            Kept::Total(t) => Some(Ok(i128::from(*t))),
            Kept::Error(i) => self
                .errors
                .get(*i as usize)
                .map(|(code, message)| Err((*code, message.clone()))),
        }
    }

    /// Keeps `outcome` for `key` (while there is room).
    pub fn keep(&mut self, key: Key, outcome: &Result<i128, (&'static str, String)>) {
        if self.seen.len() >= MEMO_LIMIT {
            return;
        }
        let kept = match outcome {
            Ok(t) => match i64::try_from(*t) {
                Ok(t) => Kept::Total(t),
                Err(_) => return,
            },
            Err(e) => match u32::try_from(self.errors.len()) {
                Ok(i) => {
                    self.errors.push(e.clone());
                    Kept::Error(i)
                }
                Err(_) => return,
            },
        };
        self.seen.insert(key, kept);
    }
}
