import { describe, expect, test } from "bun:test";
import { childCommand } from "../../src/supervisor/child-env.ts";
import { replicaSpecs } from "../../src/supervisor/replicas.ts";
import { importFiles, refusedImport } from "../helpers/import-run.ts";

const OWN = `[unix_http_server]
file=/run/supervisor.sock   ; (the path to the socket file)
chmod=0700

[supervisord]
logfile=/var/log/supervisor/supervisord.log ; (main log file)
pidfile=/var/run/supervisord.pid
childlogdir=/var/log/supervisor

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix:///run/supervisor.sock
`;

describe("tend import of a supervisord.conf, as supervisord reads it", () => {
  test("Debian's layout: own sections, [include] globs relative to the file, %(here)s, %(ENV_X)s", async () => {
    const { dir, processes, notes, config } = await importFiles({
      "supervisord.conf": `${OWN.replace("childlogdir=/var/log/supervisor", 'childlogdir=/var/log/supervisor\nenvironment=TZ="UTC"')}\n[include]\nfiles = %(here)s/conf.d/*.conf\n`,
      "conf.d/web.conf": `[program:web]
command=/usr/bin/python3 -m http.server 8000 --directory "%(here)s/public" ; serve the site
directory=%(here)s
autorestart=true
environment=PYTHONUNBUFFERED="1",HOME="/home/%(program_name)s",TOKEN="%(ENV_API_TOKEN)s",LIST="a,b",PRICE="$5"
stdout_logfile=/var/log/web.log
redirect_stderr=true
`,
      "conf.d/worker.conf":
        "[program:worker]\ncommand=/usr/local/bin/worker --price $5   # inline, after whitespace\nstopsignal=15\n",
    });
    expect(Object.keys(processes)).toEqual(["web", "worker"]);
    expect(processes.web).toMatchObject({
      command: ["/usr/bin/python3", "-m", "http.server", "8000", "--directory", `${dir}/conf.d/public`],
      cwd: `${dir}/conf.d`,
      restart: "always",
      log_merge: true,
      expand_env: true,
      // %(ENV_X)s is read where tend runs, at each start, never baked in at import.
      // With expansion on, a literal $ is written $$.
      env: {
        TZ: "UTC",
        PYTHONUNBUFFERED: "1",
        HOME: "/home/web",
        TOKEN: "${API_TOKEN}",
        LIST: "a,b",
        PRICE: "$$5",
      },
    });
    // Without expansion, a $ stays a $.
    expect(processes.worker?.command).toEqual(["/usr/local/bin/worker", "--price", "$5"]);
    // [supervisord] environment= reaches every program; a numeric stopsignal is a signal number.
    expect(processes.worker).toMatchObject({ env: { TZ: "UTC" }, stop_signal: "SIGTERM" });
    expect(processes.worker?.expand_env).toBeUndefined();
    expect(config.processes.find((p) => p.name === "web")?.expandEnv).toBe(true);
    for (const section of ["unix_http_server", "supervisord", "rpcinterface:supervisor", "supervisorctl"])
      expect(notes).toContain(`(config): [${section}]: supervisord's own settings`);
    expect(notes).toContain('web: stdout_logfile: "/var/log/web.log": tend writes NAME.out.log');
  });

  test("numprocs as replicas; a multi-line command; process_num as TEND_INSTANCE", async () => {
    const { processes, notes, config } = await importFiles({
      "workers.conf": `[program:queue]
command=/usr/bin/php artisan queue:work
  --queue=high,default
  --worker=%(process_num)02d
environment=SLOT="slot-%(process_num)d",PRICE="$5"
process_name=%(program_name)s_%(process_num)02d
numprocs=4
numprocs_start=1
stopsignal=QUIT
stopwaitsecs=60
stopasgroup=true
killasgroup=true
user=nobody
`,
    });
    expect(processes.queue).toMatchObject({
      command: ["/usr/bin/php", "artisan", "queue:work", "--queue=high,default", "--worker=${TEND_INSTANCE}"],
      instances: 4,
      expand_env: true,
      stop_signal: "SIGQUIT",
      stop_timeout: "60s",
      user: "nobody",
    });
    expect(config.processes[0]?.instances).toBe(4);
    // Each copy's env names its own number, expanded at its start.
    const spec = config.processes[0];
    if (!spec) throw new Error("no process");
    const copies = replicaSpecs(spec, 4).map((r) => childCommand(r, {}, {}, {}));
    expect(copies.map((c) => [c.env.SLOT, c.env.PRICE, c.argv.at(-1)])).toEqual(
      [0, 1, 2, 3].map((i) => [`slot-${i}`, "$5", `--worker=${i}`]),
    );
    expect(notes).toContain(
      "queue: command: %(process_num)… becomes ${TEND_INSTANCE}: 0, 1, … unpadded (supervisord: from 1)",
    );
    expect(notes).toContain(
      'queue: process_name: "%(program_name)s_%(process_num)02d": tend names copies queue:0, queue:1',
    );
    expect(notes).not.toContain("queue: stopasgroup");
  });

  test("autorestart, exitcodes, startsecs and startretries; priority as start order; groups", async () => {
    const { processes, notes } = await importFiles({
      "app.conf": `[program:redis]
command=/usr/bin/redis-server --port 6379
priority=1

[program:gunicorn]
command=/srv/app/venv/bin/gunicorn app.wsgi -w 4 -b 127.0.0.1:8000
priority=10
autorestart=unexpected
exitcodes=0,2
startsecs=5
startretries=10

[program:celery]
command=/srv/app/venv/bin/celery -A app worker -l info
priority=10
autorestart=false

[program:flower]
command=/srv/app/venv/bin/celery -A app flower
autostart=false

[group:app]
programs=gunicorn,celery
priority=999
`,
    });
    expect(processes.gunicorn).toMatchObject({
      restart: "on-failure",
      success_exit_codes: [0, 2],
      max_restarts: 10,
      backoff: { initial: "1s", factor: 2, max: "10s", jitter: 0, reset_after: "5s" },
      depends_on: { redis: "started" },
    });
    expect(processes.celery).toMatchObject({ restart: "never", depends_on: { redis: "started" } });
    expect(processes.redis?.depends_on).toBeUndefined();
    expect(processes.flower).toMatchObject({
      autostart: false,
      depends_on: { gunicorn: "started", celery: "started" },
    });
    expect(notes).toContain("[group:app]: programs: tend has no groups");
    expect(notes).toContain(
      "celery: autorestart: false: supervisord still retries a start that fails within startsecs",
    );
    expect(notes).toContain("gunicorn: startretries: waits 1, 2, 3 … s between retries in supervisord");
    expect(notes).toContain("gunicorn, celery: priority: 10: starts once redis started");
  });

  test("comments as supervisord reads them, log sizes, keys with no counterpart", async () => {
    const { processes, notes } = await importFiles({
      "supervisord.ini": `# a comment
; another
[program:echo]
command=/bin/echo a#b c;d   ; only this is a comment
  ; an indented comment inside the value
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=3
stderr_logfile_maxbytes=2MB
umask=022
serverurl=AUTO
`,
    });
    expect(processes.echo).toMatchObject({
      command: ["/bin/echo", "a#b", "c;d"],
      log_max_size: 1024 * 1024,
      log_keep: 3,
    });
    expect(notes).toContain("echo: stderr_logfile_maxbytes: tend rotates both streams alike");
    expect(notes).toContain("echo: umask: no counterpart in tend: not imported");
    expect(notes).toContain("echo: serverurl: no counterpart in tend: not imported");
  });

  test.each([
    [
      "a line that is not key = value",
      "[program:a]\ncommand=/bin/true\nthis is wrong\n",
      'supervisord.conf:3: not "key = value"',
    ],
    ["a program without command", "[program:a]\nautostart=true\n", "[program:a] has no command"],
    ["an unterminated quote", '[program:a]\ncommand=/bin/echo "oops\n', "an unterminated quote"],
    ["an undefined expansion", "[program:a]\ncommand=/bin/echo %(nope)s\n", "%(nope)s is not defined"],
    [
      "a group naming a missing program",
      "[program:a]\ncommand=/bin/true\n[group:g]\nprograms=a,b\n",
      '[group:g] names "b"',
    ],
    ["no program at all", OWN, "no [program:x] section"],
  ])("refused, naming where: %s", async (_what, text, reason) => {
    await refusedImport("supervisord.conf", text, [reason]);
  });
});
