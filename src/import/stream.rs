//! The normalization stage: batches from the reader thread are normalized on blocking
//! threads, several at once, and come out in file order for the single writer.

use super::plan::Item;
use crate::normalize::row::{RowNormalizer, RowOutcome};
use crmsync_sdk::{ConnectorError, Progress, RowBatch, RowEvent};
use futures::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A normalized batch, in file order.
#[derive(Debug)]
pub struct NormalizedBatch {
    /// One item per reader event.
    pub items: Vec<Item>,
    /// Reader progress after this batch.
    pub progress: Progress,
}

fn normalize_batch(normalizer: &RowNormalizer, batch: RowBatch) -> NormalizedBatch {
    let items = batch
        .events
        .into_iter()
        .map(|event| match event {
            RowEvent::Row(row) => match normalizer.normalize(&row) {
                RowOutcome::Record(r) => Item::Record(r),
                RowOutcome::Reject(r) => Item::Reject(r),
            },
            // Readers name the file by its full path; rejects name it the way the user sees
            // it in the summary, like the normalizer's own rejects.
            RowEvent::Reject(r) => Item::Reject(crmsync_sdk::Reject {
                file: normalizer.file.clone(),
                ..r
            }),
            RowEvent::Blank { row } => Item::Blank(row),
        })
        .collect();
    NormalizedBatch {
        items,
        progress: batch.progress,
    }
}

/// Normalize batches from `rx` with up to `workers` batches in flight, preserving order.
///
/// The normalization runs in its own task and hands finished batches over through a channel
/// of `ready` slots, so it keeps going while the writer is busy in the database (a stream
/// combinator would only make progress while the writer polls it).
pub fn normalized(
    rx: mpsc::Receiver<Result<RowBatch, ConnectorError>>,
    normalizer: Arc<RowNormalizer>,
    workers: usize,
    ready: usize,
) -> BoxStream<'static, Result<NormalizedBatch, super::ImportError>> {
    let batches = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
    let mut normalized = batches
        .map(move |batch| {
            let normalizer = Arc::clone(&normalizer);
            async move {
                let batch = batch?;
                tokio::task::spawn_blocking(move || normalize_batch(&normalizer, batch))
                    .await
                    .map_err(|e| super::ImportError::Internal(format!("normalizer failed: {e}")))
            }
        })
        .buffered(workers.max(1))
        .boxed();
    let (tx, out) = mpsc::channel(ready.max(1));
    tokio::spawn(async move {
        while let Some(batch) = normalized.next().await {
            let failed = batch.is_err();
            // A closed channel means the writer stopped (it failed or was dropped): stop too.
            if tx.send(batch).await.is_err() || failed {
                return;
            }
        }
    });
    stream::unfold(
        out,
        |mut out| async move { out.recv().await.map(|b| (b, out)) },
    )
    .boxed()
}
