//! Record ids for bulk inserts, drawn from the `records` sequence ahead of need.
//!
//! A 1M-row load inserts its records in a few hundred batches, and asking the sequence for
//! each batch's ids was a round trip per batch, at a time the server had nothing else to
//! do. The reservoir asks for several batches' worth at once and hands them out as batches
//! need them. Sequences never give a value twice, whatever transaction asks, so ids drawn
//! by a batch that rolls back, or left over when the store closes, are merely never used:
//! record ids were never promised to be consecutive.

use super::alloc_record_ids;
use crate::store::{StoreError, StoreResult};
use sqlx::{Postgres, Transaction};
use std::collections::VecDeque;
use std::sync::Mutex;

/// Most ids drawn ahead at once: a bound on the gap an import can leave in the sequence.
const MAX_AHEAD: i64 = 40_000;
/// How many times a request's size is drawn (up to [`MAX_AHEAD`]).
const BATCHES_AHEAD: i64 = 8;

/// Ids drawn from the sequence and not yet handed out, shared by a store's transactions.
#[derive(Debug, Default)]
pub(crate) struct IdReservoir {
    ids: Mutex<VecDeque<i64>>,
}

impl IdReservoir {
    /// `n` unused record ids, asking the sequence (through `tx`) only when the reservoir
    /// holds too few.
    ///
    /// # Errors
    /// The sequence query failed, or returned fewer ids than asked for.
    pub(crate) async fn take(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        n: usize,
    ) -> StoreResult<Vec<i64>> {
        if let Some(ids) = self.pop(n) {
            return Ok(ids);
        }
        let need = i64::try_from(n).unwrap_or(i64::MAX);
        let draw = need.max((need.saturating_mul(BATCHES_AHEAD)).min(MAX_AHEAD));
        let fresh = alloc_record_ids(tx, draw).await?;
        if fresh.len() as i64 != draw {
            return Err(StoreError::Corrupt(format!(
                "asked the records sequence for {draw} ids, got {}",
                fresh.len()
            )));
        }
        let mut ids = self.lock();
        ids.extend(fresh);
        Ok(ids.drain(..n).collect())
    }

    /// `n` ids from the reservoir if it holds that many.
    fn pop(&self, n: usize) -> Option<Vec<i64>> {
        let mut ids = self.lock();
        (ids.len() >= n).then(|| ids.drain(..n).collect())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<i64>> {
        // The queue holds plain numbers: one left by a panicking holder is still valid.
        self.ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_hands_out_ids_in_order_and_only_when_enough() {
        let r = IdReservoir::default();
        r.lock().extend([10, 11, 12]);
        assert_eq!(r.pop(4), None);
        assert_eq!(r.pop(2), Some(vec![10, 11]));
        assert_eq!(r.pop(1), Some(vec![12]));
        assert_eq!(r.pop(1), None);
    }
}
