//! The one transaction mechanism: every piece of session state an evaluation
//! can change lives in a store that remembers its value before the first
//! change of a transaction, so a failed evaluation (an error, a panic in a
//! binding, Ctrl-C) is undone whole, and a successful one is kept whole.
//!
//! The stores give no way to change their value without journaling it:
//! reads go through `Deref` / `get`, writes through `set`, `update`,
//! `insert`, `remove`, `get_mut`. State declared with [`tx_state!`] takes
//! part in every transaction by construction, so a new field (and a new
//! binding that changes it) cannot bypass the mechanism.

use std::collections::BTreeMap;
use std::ops::Deref;

/// Something that can be changed inside a transaction and undone.
pub trait Undo {
    /// Start remembering changes.
    fn begin(&mut self);
    /// Keep the changes made since `begin` (and forget the journal).
    fn commit(&mut self);
    /// Undo every change made since `begin`.
    fn rollback(&mut self);
    /// True when nothing has changed since `begin` (or no transaction is
    /// open): committing now and beginning again is the same as going on.
    fn is_clean(&self) -> bool;
    /// True when the open transaction's changes can be set aside while
    /// other transactions run as if before it ([`Undo::set_aside`]): by
    /// default only when there are none; a store that is only appended to
    /// can set its appended tail aside.
    fn can_set_aside(&self) -> bool {
        self.is_clean()
    }
    /// Take the open transaction's changes out (after
    /// [`Undo::can_set_aside`] said yes) and close it: what is left is the
    /// committed state, for other transactions to run on.
    fn set_aside(&mut self) {
        self.commit();
    }
    /// Open the transaction again and put back what [`Undo::set_aside`]
    /// took out, after whatever was committed meanwhile.
    fn take_back(&mut self) {
        self.begin();
    }
}

/// A value saved whole before its first change in a transaction (for small
/// values, or ones changed rarely).
#[derive(Debug, Clone, Default)]
pub struct TxCell<T: Clone> {
    value: T,
    saved: Option<T>,
    open: bool,
}

impl<T: Clone> TxCell<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> TxCell<T> {
        TxCell {
            value,
            saved: None,
            open: false,
        }
    }

    /// Replace the value.
    pub fn set(&mut self, value: T) {
        self.save();
        self.value = value;
    }

    /// Take the value, leaving the default (a request read once).
    pub fn take(&mut self) -> T
    where
        T: Default,
    {
        self.update(std::mem::take)
    }

    /// Change the value in place.
    pub fn update<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        self.save();
        f(&mut self.value)
    }

    /// True when the open transaction changed the value (what is read
    /// then is not the committed value).
    pub fn touched(&self) -> bool {
        self.saved.is_some()
    }

    fn save(&mut self) {
        if self.open && self.saved.is_none() {
            self.saved = Some(self.value.clone());
        }
    }
}

impl<T: Clone> Deref for TxCell<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Clone> Undo for TxCell<T> {
    fn begin(&mut self) {
        self.open = true;
        self.saved = None;
    }
    fn commit(&mut self) {
        self.open = false;
        self.saved = None;
    }
    fn rollback(&mut self) {
        if let Some(v) = self.saved.take() {
            self.value = v;
        }
        self.open = false;
    }
    fn is_clean(&self) -> bool {
        self.saved.is_none()
    }
}

/// A map whose entries are saved one by one before their first change in a
/// transaction (large maps changed in a few places: tables, loops, values).
#[derive(Debug, Clone)]
pub struct TxMap<K: Ord + Clone, V: Clone> {
    map: BTreeMap<K, V>,
    undo: BTreeMap<K, Option<V>>,
    open: bool,
}

impl<K: Ord + Clone, V: Clone> Default for TxMap<K, V> {
    fn default() -> Self {
        TxMap {
            map: BTreeMap::new(),
            undo: BTreeMap::new(),
            open: false,
        }
    }
}

impl<K: Ord + Clone, V: Clone> TxMap<K, V> {
    /// Insert or replace an entry; returns the old value.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.save(&k);
        self.map.insert(k, v)
    }

    /// Remove an entry.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        self.save(k);
        self.map.remove(k)
    }

    /// Change an entry in place.
    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        if self.map.contains_key(k) {
            self.save(k);
        }
        self.map.get_mut(k)
    }

    /// Remove every entry.
    pub fn clear(&mut self) {
        let keys: Vec<K> = self.map.keys().cloned().collect();
        for k in keys {
            self.remove(&k);
        }
    }

    /// The entries.
    pub fn as_map(&self) -> &BTreeMap<K, V> {
        &self.map
    }

    /// True when the open transaction changed entry `k`.
    pub fn touched(&self, k: &K) -> bool {
        self.undo.contains_key(k)
    }

    /// Change entry `k` as if before the open transaction: the change is
    /// made to the value and to the one a rollback would restore, so it
    /// survives either end (the scheduler's own progress during a long
    /// evaluation).
    pub fn update_committed(&mut self, k: &K, f: impl Fn(&mut V)) {
        if let Some(v) = self.map.get_mut(k) {
            f(v);
        }
        if let Some(Some(v)) = self.undo.get_mut(k) {
            f(v);
        }
    }

    fn save(&mut self, k: &K) {
        if self.open && !self.undo.contains_key(k) {
            self.undo.insert(k.clone(), self.map.get(k).cloned());
        }
    }
}

impl<K: Ord + Clone, V: Clone> Deref for TxMap<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

impl<K: Ord + Clone, V: Clone> Undo for TxMap<K, V> {
    fn begin(&mut self) {
        self.open = true;
        self.undo.clear();
    }
    fn commit(&mut self) {
        self.open = false;
        self.undo.clear();
    }
    fn rollback(&mut self) {
        for (k, old) in std::mem::take(&mut self.undo) {
            match old {
                Some(v) => self.map.insert(k, v),
                None => self.map.remove(&k),
            };
        }
        self.open = false;
    }
    fn is_clean(&self) -> bool {
        self.undo.is_empty()
    }
}

/// A list that an evaluation only appends to (undone by truncation).
#[derive(Debug, Clone)]
pub struct TxLog<T> {
    items: Vec<T>,
    mark: Option<usize>,
    aside: Vec<T>,
}

impl<T> Default for TxLog<T> {
    fn default() -> Self {
        TxLog {
            items: Vec::new(),
            mark: None,
            aside: Vec::new(),
        }
    }
}

impl<T> TxLog<T> {
    /// Append an item.
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }
}

impl<T> Deref for TxLog<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> Undo for TxLog<T> {
    fn begin(&mut self) {
        self.mark = Some(self.items.len());
    }
    fn commit(&mut self) {
        self.mark = None;
    }
    fn rollback(&mut self) {
        if let Some(m) = self.mark.take() {
            self.items.truncate(m);
        }
    }
    fn is_clean(&self) -> bool {
        self.mark.is_none_or(|m| m == self.items.len())
    }
    fn can_set_aside(&self) -> bool {
        true
    }
    fn set_aside(&mut self) {
        if let Some(m) = self.mark.take() {
            self.aside = self.items.split_off(m);
        }
    }
    fn take_back(&mut self) {
        self.begin();
        self.items.append(&mut self.aside);
    }
}

/// A queue an evaluation only appends to, drained from the front between
/// evaluations: a failed evaluation's items are taken back (they were never
/// sent, as nothing is flushed mid-evaluation).
#[derive(Debug)]
pub struct TxQueue<T> {
    queue: std::collections::VecDeque<T>,
    mark: Option<usize>,
    aside: std::collections::VecDeque<T>,
}

impl<T> Default for TxQueue<T> {
    fn default() -> Self {
        TxQueue {
            queue: Default::default(),
            mark: None,
            aside: Default::default(),
        }
    }
}

impl<T> TxQueue<T> {
    /// Queue an item (sent after the evaluation succeeds).
    pub fn push(&mut self, item: T) {
        self.queue.push_back(item);
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Hand what fits to `send` (which gives an item back when its queue is
    /// full: it waits here for the next call, nothing is dropped); returns
    /// how many were sent.
    pub fn flush(&mut self, mut send: impl FnMut(T) -> Result<(), T>) -> usize {
        let mut sent = 0;
        while let Some(item) = self.queue.pop_front() {
            if let Err(item) = send(item) {
                self.queue.push_front(item);
                break;
            }
            sent += 1;
        }
        sent
    }

    /// Queue an item as if before the open transaction: it goes ahead of
    /// what the transaction queued, and a rollback keeps it.
    pub fn push_committed(&mut self, item: T) {
        match self.mark.as_mut() {
            Some(m) => {
                self.queue.insert(*m, item);
                *m += 1;
            }
            None => self.queue.push_back(item),
        }
    }

    /// [`Self::flush`] of what is committed only: during a transaction,
    /// the items queued before it (and by [`Self::push_committed`]).
    pub fn flush_committed(&mut self, mut send: impl FnMut(T) -> Result<(), T>) -> usize {
        let Some(mut m) = self.mark else {
            return self.flush(send);
        };
        let mut sent = 0;
        while m > 0 {
            let Some(item) = self.queue.pop_front() else {
                break;
            };
            if let Err(item) = send(item) {
                self.queue.push_front(item);
                break;
            }
            m -= 1;
            sent += 1;
        }
        self.mark = Some(m);
        sent
    }

    /// Take everything waiting.
    pub fn take(&mut self) -> std::collections::VecDeque<T> {
        std::mem::take(&mut self.queue)
    }

    /// Drop everything waiting.
    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

impl<T> Undo for TxQueue<T> {
    fn begin(&mut self) {
        self.mark = Some(self.queue.len());
    }
    fn commit(&mut self) {
        self.mark = None;
    }
    fn rollback(&mut self) {
        if let Some(m) = self.mark.take() {
            self.queue.truncate(m);
        }
    }
    fn is_clean(&self) -> bool {
        self.mark.is_none_or(|m| m == self.queue.len())
    }
    fn can_set_aside(&self) -> bool {
        true
    }
    fn set_aside(&mut self) {
        if let Some(m) = self.mark.take() {
            self.aside = self.queue.split_off(m);
        }
    }
    fn take_back(&mut self) {
        self.begin();
        self.queue.append(&mut self.aside);
    }
}

/// Declare a struct whose every field takes part in the transaction: the
/// generated [`Undo`] impl begins, commits and rolls back each field, so a
/// field whose type cannot be undone does not compile.
#[macro_export]
macro_rules! tx_state {
    ($(#[$sm:meta])* pub struct $name:ident { $($(#[$m:meta])* pub $f:ident : $t:ty),* $(,)? }) => {
        $(#[$sm])*
        pub struct $name { $($(#[$m])* pub $f: $t),* }
        impl $crate::session::txn::Undo for $name {
            fn begin(&mut self) { $($crate::session::txn::Undo::begin(&mut self.$f);)* }
            fn commit(&mut self) { $($crate::session::txn::Undo::commit(&mut self.$f);)* }
            fn rollback(&mut self) { $($crate::session::txn::Undo::rollback(&mut self.$f);)* }
            fn is_clean(&self) -> bool { true $(&& $crate::session::txn::Undo::is_clean(&self.$f))* }
            fn can_set_aside(&self) -> bool { true $(&& $crate::session::txn::Undo::can_set_aside(&self.$f))* }
            fn set_aside(&mut self) { $($crate::session::txn::Undo::set_aside(&mut self.$f);)* }
            fn take_back(&mut self) { $($crate::session::txn::Undo::take_back(&mut self.$f);)* }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_rolls_back_to_the_value_before_the_first_change() {
        let mut c = TxCell::new(1);
        c.begin();
        c.set(2);
        c.update(|v| *v += 10);
        assert_eq!(*c, 12);
        c.rollback();
        assert_eq!(*c, 1);
        c.begin();
        c.set(5);
        c.commit();
        c.rollback();
        assert_eq!(*c, 5, "a rollback after commit changes nothing");
    }

    #[test]
    fn map_undoes_inserts_removes_and_edits() {
        let mut m: TxMap<&str, i32> = TxMap::default();
        m.insert("a", 1);
        m.insert("b", 2);
        m.begin();
        m.insert("c", 3);
        m.remove(&"a");
        *m.get_mut(&"b").unwrap() = 20;
        m.insert("b", 30);
        m.clear();
        assert!(m.is_empty());
        m.rollback();
        let got: Vec<(&str, i32)> = m.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, vec![("a", 1), ("b", 2)]);
    }

    #[test]
    fn log_truncates_to_its_mark() {
        let mut l = TxLog::default();
        l.push(1);
        l.begin();
        l.push(2);
        l.rollback();
        assert_eq!(&*l, &[1]);
    }
}
