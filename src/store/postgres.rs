//! PostgreSQL: for shared and production use.

mod bulk;
mod copy_binary;
mod ids;

use super::imp::impl_store;
use super::sync_imp::impl_sync_store;
use super::url::redact;
use super::{ImportTx, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

const DIALECT: &str = "postgres";
const BEGIN_SQL: &str = "BEGIN";
/// How long a pooled connection may sit idle before it is checked with a ping when taken.
const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    url: String,
    /// `records` was seen to hold rows, so a bulk insert need not ask again whether it is
    /// loading an empty table (see [`bulk`]).
    records_seen: Arc<AtomicBool>,
    /// Record ids drawn ahead for bulk inserts.
    ids: Arc<ids::IdReservoir>,
}

impl PgStore {
    /// Connect to `url` and migrate. Standard libpq-style URL parameters apply, e.g.
    /// `?sslmode=require` or `?options=-c%20search_path%3Dcrm` to use another schema.
    ///
    /// # Errors
    /// [`StoreError::Connect`] or [`StoreError::Migrate`].
    pub async fn open(url: &str) -> StoreResult<Self> {
        let shown = redact(url);
        let opts = PgConnectOptions::from_str(url).map_err(|source| StoreError::Connect {
            url: shown.clone(),
            source,
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            // Ping a connection before handing it out only when it sat idle for a while: an
            // import takes one for every batch, and a ping each time was a round trip per
            // batch spent on a connection used a few milliseconds before.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_IDLE_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Connect {
                url: shown.clone(),
                source,
            })?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        // An import killed while loading an empty table leaves it without the indexes it
        // was going to build at the end.
        bulk::ensure_indexes(&pool).await?;
        Ok(PgStore {
            pool,
            url: shown,
            records_seen: Arc::default(),
            ids: Arc::default(),
        })
    }

    /// The underlying pool (for reports and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// `n` fresh record ids from the table's sequence, in one round trip. Sequences never hand
/// out a value twice, so concurrent writers need no lock (the ids need not be consecutive).
async fn alloc_record_ids(
    tx: &mut Transaction<'static, Postgres>,
    n: i64,
) -> StoreResult<Vec<i64>> {
    // The sequence is resolved once, by the uncorrelated scalar subquery (an init plan):
    // called as nextval's argument directly, the catalog lookup ran for every id and cost
    // 6 µs of the 7 µs each id took. One array back instead of a row per id.
    let (ids,): (Option<Vec<i64>>,) = sqlx::query_as(
        "SELECT array_agg(nextval((SELECT pg_get_serial_sequence('records', 'id')::regclass))) \
         FROM generate_series(1, $1)",
    )
    .bind(n)
    .fetch_one(&mut **tx)
    .await?;
    Ok(ids.unwrap_or_default())
}

async fn begin_import(store: &PgStore) -> StoreResult<Box<dyn ImportTx>> {
    let tx = store.pool.begin_with(BEGIN_SQL).await?;
    Ok(Box::new(bulk::PgImportTx {
        tx: PgTx { tx },
        records_seen: Arc::clone(&store.records_seen),
        ids: Arc::clone(&store.ids),
    }))
}

async fn import_finished(store: &PgStore) -> StoreResult<()> {
    bulk::ensure_indexes(&store.pool).await
}

/// Keys to look up, as a JSON array in `$3`. `= ANY(ARRAY(…))` lets the planner probe the
/// unique (system, object, source_id) index; `IN (SELECT …)` over the set-returning function
/// would be estimated blind and scan.
const KEYS_IN: &str = "= ANY(ARRAY(SELECT json_array_elements_text($3::json)))";

impl_store!(PgStore, PgTx, Postgres);
impl_sync_store!(PgStore, PgTx, Postgres);
