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

/// Commit `batches` transactions of 20 rows of about 1 KiB each, telling the checkpointer
/// like the import writer does; returns the largest WAL file size seen.
fn write(writer: &Connection, path: &Path, checkpoints: &Checkpointer, batches: usize) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let mut largest = 0;
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
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    largest
}

#[test]
fn the_thread_copies_commits_into_the_database_and_keeps_the_wal_short() {
    let (_dir, path, writer) = setup();
    // 64 frames of 4 KiB: the WAL should start over every few transactions.
    let checkpoints = Checkpointer::start(&path, eager());
    assert!(!checkpoints.is_off());
    let largest_wal = write(&writer, &path, &checkpoints, 300);
    // Stopping makes a last pass over what is left.
    drop(checkpoints);

    // About 6 MB went through the WAL; without restarts it would hold all of it.
    assert!(
        largest_wal < 2 * 1024 * 1024,
        "WAL grew to {largest_wal} bytes"
    );
    // The writer never checkpointed, so the rows reached the database file through the
    // thread: it holds them all even before the writer closes.
    let db_len = std::fs::metadata(&path).unwrap().len();
    assert!(db_len > 6_000_000, "database file is only {db_len} bytes");
    let (busy, log, copied): (i64, i64, i64) = writer
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((busy, copied), (0, log), "frames left uncopied");
    let rows: i64 = writer
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 300 * 20);
}

#[test]
fn a_reader_holding_an_old_snapshot_does_not_stall_the_writer() {
    let (_dir, path, writer) = setup();
    let checkpoints = Checkpointer::start(&path, eager());
    write(&writer, &path, &checkpoints, 10);
    // A reader in the middle of a transaction pins the WAL: no pass can copy past it, so the
    // WAL cannot start over. The writer must go on all the same.
    let reader = Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let seen: i64 = reader
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 200);
    let started = Instant::now();
    write(&writer, &path, &checkpoints, 100);
    assert!(
        started.elapsed() < MAX_WAIT,
        "the writer waited out the deadline"
    );
    let still: i64 = reader
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(still, 200, "the reader's snapshot changed");
    reader.execute_batch("COMMIT").unwrap();
    drop(checkpoints);
    let rows: i64 = writer
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 110 * 20);
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
