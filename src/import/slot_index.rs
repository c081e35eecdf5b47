//! [`SlotIndex`]: the keys of one batch, found by hash without storing a copy of each key.

use rustc_hash::FxHashMap;

/// Positions of a batch's distinct keys, indexed by the key's 64-bit hash so that the common
/// case stores no copy of the key (a clone and a free per row on the writer's thread). A key
/// whose hash is already taken by a different key goes to `collided`, by value.
#[derive(Debug, Default)]
pub struct SlotIndex {
    by_hash: FxHashMap<u64, usize>,
    collided: FxHashMap<String, usize>,
}

impl SlotIndex {
    /// The position of `key` (whose hash is `hash`); `key_at` gives the key stored at a
    /// position.
    pub fn find<'a>(
        &self,
        hash: u64,
        key: &str,
        key_at: impl Fn(usize) -> &'a str,
    ) -> Option<usize> {
        match self.by_hash.get(&hash) {
            Some(&idx) if key_at(idx) == key => Some(idx),
            Some(_) => self.collided.get(key).copied(),
            None => None,
        }
    }

    /// Remember that `key` (not yet present) is at `idx`.
    pub fn insert(&mut self, hash: u64, key: &str, idx: usize) {
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(key.to_owned(), idx);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(idx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sharing_a_hash_stay_apart() {
        let keys = ["a", "b", "c"];
        let mut index = SlotIndex::default();
        // Force one hash for all three keys, as a 64-bit collision would.
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.find(7, k, |i| keys[i]), None);
            index.insert(7, k, i);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.find(7, k, |i| keys[i]), Some(i));
        }
        assert_eq!(index.find(7, "d", |i| keys[i]), None);
        assert_eq!(index.find(8, "a", |i| keys[i]), None);
    }
}
