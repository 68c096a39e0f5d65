//! How a bill line holds its label ([`LineMeta`]): shared with the tariff
//! that made it ([`MetaRef::Shared`]), or interned for the life of the
//! process ([`intern`], [`MetaRef::Interned`]) so that a line points at its
//! label without taking and releasing a reference count. Electric billing
//! interns: its labels are a small vocabulary (period × tier × tariff id), so
//! the interned set grows only with the distinct tariffs a process prepares,
//! a few hundred bytes each.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::LineMeta;

/// The line's label, shared or interned. Equality compares the labels.
#[derive(Debug, Clone)]
pub(crate) enum MetaRef {
    /// Shared with the compiled tariff (one reference count per line).
    Shared(Arc<LineMeta>),
    /// Interned for the life of the process (no count).
    Interned(&'static LineMeta),
}

impl Deref for MetaRef {
    type Target = LineMeta;
    fn deref(&self) -> &LineMeta {
        match self {
            MetaRef::Shared(m) => m,
            MetaRef::Interned(m) => m,
        }
    }
}

impl PartialEq for MetaRef {
    fn eq(&self, other: &MetaRef) -> bool {
        **self == **other
    }
}

impl Eq for MetaRef {}

static LABELS: OnceLock<Mutex<HashSet<&'static LineMeta>>> = OnceLock::new();

/// The one interned copy of `meta` (made on first use, then kept for the
/// life of the process).
pub(crate) fn intern(meta: LineMeta) -> &'static LineMeta {
    let mut set = LABELS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = set.get(&meta) {
        return known;
    }
    let leaked: &'static LineMeta = Box::leak(Box::new(meta));
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bill::LineKind;

    fn meta(description: &str) -> LineMeta {
        LineMeta {
            description: description.into(),
            group: "Energy".into(),
            kind: LineKind::Usage,
            version: Arc::from("t"),
            tier: Some(1),
        }
    }

    #[test]
    fn equal_labels_are_interned_once() {
        let a = intern(meta("Energy, tier 1"));
        let b = intern(meta("Energy, tier 1"));
        let c = intern(meta("Energy, tier 2"));
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, c));
        assert_eq!(a.description, "Energy, tier 1");
    }

    #[test]
    fn shared_and_interned_labels_compare_by_content() {
        let shared = MetaRef::Shared(Arc::new(meta("Energy")));
        let interned = MetaRef::Interned(intern(meta("Energy")));
        assert_eq!(shared, interned);
        assert_ne!(shared, MetaRef::Interned(intern(meta("Demand"))));
    }
}
