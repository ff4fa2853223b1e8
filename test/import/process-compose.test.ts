import { describe, expect, test } from "bun:test";
import { importFiles, refusedImport } from "../helpers/import-run.ts";

describe("tend import of process-compose.yaml, as process-compose reads it", () => {
  test("vars, env expansion kept for run time, .env beside it, anchors and merge keys", async () => {
    const { dir, processes, notes, config } = await importFiles(
      {
        "process-compose.yaml": `version: "0.5"
log_level: debug
vars:
  PORT: 8080
  HOST: 127.0.0.1
environment:
  - "APP_ENV=dev"
x-restart: &restart
  availability:
    restart: on_failure
    backoff_seconds: 2
    max_restarts: 5
processes:
  api:
    <<: *restart
    command: |
      ./bin/api \\
        --listen {{.HOST}}:{{.PORT}} --db "\${DATABASE_URL}" --pool \${POOL:-4} --price $$5 --home $HOME
    working_dir: ./api
    environment:
      - "LOG_LEVEL=\${LOG_LEVEL:-info}"
      - "PATH=/opt/api/bin:$PATH"
      - "MODE=\${MODE-fast}"
  worker:
    <<: *restart
    command: ./bin/worker
`,
        ".env": "DATABASE_URL=postgres://localhost/app\n",
      },
      // The importing shell's environment is never baked into the file.
      { DATABASE_URL: "postgres://leak", POOL: "99" },
    );
    expect(processes.api).toMatchObject({
      command: [
        "bash",
        "-c",
        './bin/api \\\n  --listen 127.0.0.1:8080 --db "${DATABASE_URL:-}" --pool ${POOL:-4} --price $$5 --home ${HOME:-}\n',
      ],
      cwd: `${dir}/api`,
      env: {
        APP_ENV: "dev",
        LOG_LEVEL: "${LOG_LEVEL:-info}",
        PATH: "/opt/api/bin:${PATH:-}",
        MODE: "${MODE:-fast}",
      },
      env_file: `${dir}/.env`,
      expand_env: true,
      restart: "on-failure",
      max_restarts: 5,
      backoff: { initial: "2s", factor: 1, max: "2s", jitter: 0 },
    });
    expect(JSON.stringify(processes)).not.toContain("leak");
    expect(processes.worker).toMatchObject({ restart: "on-failure", max_restarts: 5 });
    expect(config.processes.map((p) => p.name)).toEqual(["api", "worker"]);
    expect(notes).toContain("(config): version: process-compose's own setting: not imported");
    expect(notes).toContain("(config): x-restart: process-compose's own setting: not imported");
    expect(notes).toContain('"${MODE-fast}" read as ${MODE:-fast} (the same unless set but empty)');
  });

  test("depends_on conditions, probes with process-compose's defaults, ready_log_line", async () => {
    const { processes } = await importFiles({
      "process-compose.yml": `processes:
  db:
    command: postgres -D /var/lib/pg
    readiness_probe:
      exec:
        command: pg_isready -h 127.0.0.1
      period_seconds: 2
  migrate:
    command: ./migrate up
  cache:
    command: redis-server
    ready_log_line: "Ready to accept connections"
  api:
    command: ./api
    depends_on:
      db: { condition: process_healthy }
      migrate: { condition: process_completed_successfully }
      cache: { condition: process_log_ready }
      seed: { condition: process_completed }
      logger: { condition: process_started }
    readiness_probe:
      http_get: { host: 127.0.0.1, scheme: http, path: /health, port: 8080 }
      initial_delay_seconds: 3
    liveness_probe:
      http_get: { host: 127.0.0.1, path: "live", port: 8080 }
      failure_threshold: 5
  seed:
    command: ./seed
  logger:
    command: ./logger
`,
    });
    expect(processes.db?.readiness).toEqual({
      type: "exec",
      command: ["bash", "-c", "pg_isready -h 127.0.0.1"],
      initial_delay: "0s",
      interval: "2s",
      timeout: "1s",
      success_threshold: 1,
      failure_threshold: 3,
    });
    expect(processes.cache?.readiness).toEqual({ type: "log", pattern: "Ready to accept connections" });
    expect(processes.api?.depends_on).toEqual({
      db: "healthy",
      migrate: "succeeded",
      cache: "healthy",
      seed: "completed",
      logger: "started",
    });
    expect(processes.api?.readiness).toMatchObject({
      type: "http",
      url: "http://127.0.0.1:8080/health",
      initial_delay: "3s",
      interval: "10s",
    });
    expect(processes.api?.liveness).toMatchObject({
      url: "http://127.0.0.1:8080/live",
      failure_threshold: 5,
    });
    // process-compose does not restart unless told to.
    expect(processes.migrate?.restart).toBe("never");
  });

  test("shutdown, replicas, disabled, schedule, is_daemon, log rotation", async () => {
    const { processes, notes } = await importFiles({
      "process-compose.yaml": `processes:
  web:
    command: nginx -g "daemon on;"
    is_daemon: true
    shutdown:
      command: nginx -s quit
      signal: 3
      timeout_seconds: 20
    log_location: ./logs/web.log
    log_configuration:
      rotation: { max_size_mb: 5, max_backups: 3, max_age_days: 7, compress: true }
      add_timestamp: true
  worker:
    command: ./worker
    replicas: 3
    availability: { restart: always }
  report:
    command: ./report
    schedule: { cron: "0 3 * * *", timezone: "Europe/Paris" }
  legacy:
    command: ./legacy
    disabled: true
  poll:
    command: ./poll
    schedule: { interval: 30s }
`,
    });
    expect(processes.web).toMatchObject({
      type: "forking",
      stop_signal: "SIGQUIT",
      stop_timeout: "20s",
      log_max_size: "5MiB",
      log_keep: 3,
      log_compress: true,
      log_timestamps: true,
    });
    expect(processes.worker).toMatchObject({ instances: 3, restart: "always" });
    expect(processes.report).toMatchObject({ schedule: "0 3 * * *", timezone: "Europe/Paris" });
    expect(processes.legacy?.autostart).toBe(false);
    expect(processes.poll?.schedule).toBeUndefined();
    for (const line of [
      'web: is_daemon: type = "forking"',
      "web: shutdown.command: tend stops with stop_signal, then SIGKILL after stop_timeout: the command is not run",
      "web: log_location: tend writes NAME.out.log",
      "web: log_configuration.rotation.max_age_days: tend keeps log_keep files",
      "legacy: disabled: autostart = false",
      "poll: schedule.interval: tend schedules by cron only: not imported",
    ])
      expect(notes).toContain(line);
  });

  test("exit_on_failure, unknown keys, and forms of ${…} tend does not expand", async () => {
    const { processes, notes } = await importFiles({
      "process-compose.yaml": `processes:
  job:
    command: echo \${NAME:=anon} \${#ARGS}
    availability: { restart: exit_on_failure, exit_on_end: true }
    namespace: batch
    is_tty: true
`,
    });
    expect(processes.job?.command).toEqual(["bash", "-c", "echo $${NAME:=anon} $${#ARGS}"]);
    expect(processes.job?.restart).toBe("on-failure");
    for (const line of [
      "job: availability.restart: exit_on_failure: tend restarts the process instead of stopping everything",
      "job: availability.exit_on_end: tend keeps the others running",
      "job: namespace: not a key tend knows: not imported",
      "job: is_tty: not a key tend knows: not imported",
      '"${NAME:=anon}" is not expanded by tend; bash expands it',
    ])
      expect(notes).toContain(line);
  });

  test("replicas: PC_REPLICA_NUM is each copy's TEND_INSTANCE; vars fill probes", async () => {
    const { processes } = await importFiles({
      "process-compose.yaml": `vars:
  HEALTH: /healthz
processes:
  web:
    command: ./web --port 800\${PC_REPLICA_NUM} --name $PC_PROC_NAME
    replicas: 3
    environment:
      - "SLOT=\${PC_REPLICA_NUM}"
      - "TPL={{.HEALTH}}"
    readiness_probe:
      http_get: { host: 127.0.0.1, port: 8000, path: "{{.HEALTH}}" }
  one:
    command: ./one \${PC_REPLICA_NUM}
`,
    });
    expect(processes.web).toMatchObject({
      command: ["bash", "-c", "./web --port 800${TEND_INSTANCE} --name web"],
      instances: 3,
      expand_env: true,
      // process-compose renders vars in commands and probes, not in environment.
      env: { SLOT: "${TEND_INSTANCE}", TPL: "{{.HEALTH}}" },
      readiness: { url: "http://127.0.0.1:8000/healthz" },
    });
    expect(processes.one?.command).toEqual(["bash", "-c", "./one 0"]);
  });

  test.each([
    [
      "a variable in working_dir",
      "processes:\n  a:\n    command: x\n    working_dir: ${HOME}/app\n",
      "tend does not expand variables in cwd",
    ],
    [
      "a form tend cannot expand in an env value",
      "processes:\n  a:\n    command: x\n    environment: ['A=${B:=c}']\n",
      "is a form tend cannot expand",
    ],
    ["not YAML", "processes: [\n", "not YAML"],
    ["no processes", "version: '0.5'\n", "no processes: nothing to run"],
    [
      "a process without command",
      "processes:\n  a:\n    working_dir: /tmp\n",
      "processes.a.command: expected a command line",
    ],
    [
      "an unknown dependency",
      "processes:\n  a:\n    command: x\n    depends_on: { b: { condition: process_started } }\n",
      'no process named "b"',
    ],
    [
      "an unknown condition",
      "processes:\n  a:\n    command: x\n  b:\n    command: y\n    depends_on: { a: { condition: process_ready } }\n",
      'unknown condition "process_ready"',
    ],
    ["a template with no var", "processes:\n  a:\n    command: echo {{.NOPE}}\n", 'no var "NOPE"'],
  ])("refused: %s", async (_what, text, reason) => {
    await refusedImport("process-compose.yaml", text, [reason]);
  });
});
