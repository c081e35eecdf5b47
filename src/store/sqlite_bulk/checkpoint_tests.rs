use super::*;
use std::path::PathBuf;

/// Passes as often as the writer commits, and a WAL that starts over past 64 frames.
fn eager() -> Pacing {
    Pacing {
        restart_frames: 64,
        pass_interval: Duration::ZERO,
    }
}

/// A WAL-mode database with one table, and a writer connection that never checkpoints by
/// itself (as the import writer's is while a checkpointer runs).
fn setup() -> (tempfile::TempDir, PathBuf, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let writer = Connection::open(&path).unwrap();
    writer
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        )
        .unwrap();
    (dir, path, writer)
}

/// Rows in the table, as `conn` sees them.
fn rows(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap()
}

/// Commit `batches` transactions of 20 rows of about 1 KiB each, telling the checkpointer
/// like the import writer does.
fn write(writer: &Connection, checkpoints: &Checkpointer, batches: usize) {
    for b in 0..batches {
        checkpoints.before_begin();
        writer.execute_batch("BEGIN IMMEDIATE").unwrap();
        for r in 0..20 {
            writer
                .execute(
                    "INSERT INTO t (v) VALUES (?1)",
                    [format!("{b}-{r}-{}", "x".repeat(1000))],
                )
                .unwrap();
        }
        writer.execute_batch("COMMIT").unwrap();
        checkpoints.after_commit();
    }
}

#[test]
fn the_thread_copies_commits_into_the_database_and_starts_the_wal_over() {
    let (_dir, path, writer) = setup();
    // 64 frames of 4 KiB: the WAL is due to start over every ten transactions or so.
    let checkpoints = Checkpointer::start(&path, eager());
    assert!(!checkpoints.is_off());
    // How soon the first pass reports a long WAL depends on how fast this disk syncs; keep
    // writing until the WAL has started over twice (a few dozen batches when it works).
    let mut batches = 0;
    while checkpoints.restarts() < 2 && batches < 2_000 {
        write(&writer, &checkpoints, 10);
        batches += 10;
    }
    assert!(
        checkpoints.restarts() >= 2,
        "the WAL never started over in {batches} batches"
    );
    // Stopping makes a last pass over what is left.
    drop(checkpoints);

    // The writer never checkpointed, so the rows reached the database file through the
    // thread: it holds them all even before the writer closes.
    let db_len = std::fs::metadata(&path).unwrap().len();
    let written = u64::try_from(batches).unwrap() * 20 * 1_000;
    assert!(
        db_len > written,
        "database file is {db_len} bytes for {written} bytes of rows"
    );
    let (busy, log, copied): (i64, i64, i64) = writer
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((busy, copied), (0, log), "frames left uncopied");
    assert_eq!(rows(&writer), i64::from(batches) * 20);
}

#[test]
fn a_reader_holding_an_old_snapshot_does_not_stall_the_writer() {
    let (_dir, path, writer) = setup();
    let checkpoints = Checkpointer::start(&path, eager());
    write(&writer, &checkpoints, 10);
    // A reader in the middle of a transaction pins the WAL: no pass can copy past it, so the
    // WAL cannot start over. The writer must go on all the same.
    let reader = Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let seen = rows(&reader);
    assert_eq!(seen, 200);
    let started = Instant::now();
    write(&writer, &checkpoints, 100);
    assert!(
        started.elapsed() < MAX_WAIT,
        "the writer waited out the deadline"
    );
    let still = rows(&reader);
    assert_eq!(still, 200, "the reader's snapshot changed");
    reader.execute_batch("COMMIT").unwrap();
    drop(checkpoints);
    assert_eq!(rows(&writer), 110 * 20);
}

#[test]
fn a_database_that_cannot_be_opened_leaves_checkpoints_to_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = Checkpointer::start(&dir.path().join("missing").join("x.db"), eager());
    assert!(checkpoints.is_off());
    // The writer's calls are harmless then.
    checkpoints.after_commit();
    checkpoints.before_begin();
}
