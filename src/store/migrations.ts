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
];
