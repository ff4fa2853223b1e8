// Schema versions, applied in order and recorded in PRAGMA user_version. Never edit a shipped
// migration; add the next one.
export const MIGRATIONS: readonly string[] = [
  // 1: runs, events, processes added at run time
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     process TEXT NOT NULL,
     pid INTEGER,
     pid_start_ticks INTEGER,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     exit_code INTEGER,
     signal TEXT,
     reason TEXT
   );
   CREATE INDEX runs_by_process ON runs(process, id);
   CREATE INDEX runs_open ON runs(ended_at) WHERE ended_at IS NULL;
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     process TEXT,
     type TEXT NOT NULL,
     state TEXT,
     reason TEXT,
     details TEXT
   );
   CREATE INDEX events_by_process ON events(process, id);
   CREATE TABLE runtime_processes (
     name TEXT PRIMARY KEY,
     spec TEXT NOT NULL,
     added_at INTEGER NOT NULL
   );`,
  // 2: the operator's intent per process (restored after a crash), supervisor facts such as a
  // clean shutdown, and run ends stored by version 1 as `process.exited` with a pid read as the
  // run facts they were (`run.exited`); version 1 wrote the state change as a second event.
  `CREATE TABLE intents (
     process TEXT PRIMARY KEY,
     intent TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE TABLE meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   UPDATE events SET type = 'run.exited'
     WHERE type = 'process.exited' AND details IS NOT NULL AND json_extract(details, '$.pid') IS NOT NULL;`,
  // 3: the cgroup each run lives in (cgroup mode), so recovery after a crash finds it there.
  `ALTER TABLE runs ADD COLUMN cgroup TEXT;`,
];
