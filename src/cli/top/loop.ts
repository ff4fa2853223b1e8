import type { TendClient } from "../../client/index.ts";
import { parseKeys, type TopAction } from "./keys.ts";
import { initialState, moveSelection, selectedProcess, sortBy, type TopState } from "./model.ts";
import { render } from "./render.ts";
import type { TopTerminal } from "./terminal.ts";

export interface TopOptions {
  refreshMs?: number;
}

// `tend top`: refresh once a second over the API, redraw, act on keys. Resolves with the exit
// code once the user quits; the terminal is restored whatever happens in between.
export async function runTop(client: TendClient, term: TopTerminal, opts: TopOptions = {}): Promise<number> {
  let state: TopState = initialState();
  let quit: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    quit = r;
  });

  const draw = () => {
    const lines = render(state, term.columns(), term.rows());
    term.write(lines.map((l, i) => `\x1b[${i + 1};1H${l}`).join(""));
  };

  const refresh = async () => {
    try {
      const processes = await client.list();
      state = { ...state, processes, updatedAt: Date.now() };
      if (state.logs) state = { ...state, logs: await recentLogs(client, state.logs.name, term.rows()) };
    } catch (err) {
      state = { ...state, message: firstLine(err) };
    }
    draw();
  };

  const control = async (verb: "start" | "stop" | "restart") => {
    const p = selectedProcess(state);
    if (!p) return;
    state = { ...state, selected: p.name, message: `${verb} ${p.name}…` };
    draw();
    try {
      const after = await client[verb](p.name);
      const one = "replicas" in after ? `${after.instances} copies` : after.state;
      const pid = "replicas" in after || !after.pid ? "" : ` (pid ${after.pid})`;
      state = { ...state, message: `${verb} ${p.name}: ${one}${pid}` };
    } catch (err) {
      state = { ...state, message: firstLine(err) };
    }
    await refresh();
  };

  const act = (a: TopAction) => {
    switch (a.kind) {
      case "quit":
        return quit(0);
      case "move":
        if (!state.logs) state = moveSelection(state, a.by);
        return draw();
      case "sort":
        if (!state.logs) state = sortBy(state, a.column);
        return draw();
      case "control":
        if (!state.logs) void control(a.verb);
        return;
      case "logs": {
        if (state.logs) {
          state = { ...state, logs: null };
          return draw();
        }
        const p = selectedProcess(state);
        if (!p) return;
        state = { ...state, selected: p.name, logs: { name: p.name, lines: [] } };
        return void refresh();
      }
      case "back":
        state = { ...state, logs: null };
        return draw();
    }
  };

  term.enter();
  try {
    term.onInput((chunk) => {
      for (const a of parseKeys(chunk)) act(a);
    });
    term.onResize(() => {
      term.write("\x1b[2J");
      draw();
    });
    await refresh();
    const timer = setInterval(() => void refresh(), opts.refreshMs ?? 1000);
    try {
      return await done;
    } finally {
      clearInterval(timer);
    }
  } finally {
    term.leave();
  }
}

async function recentLogs(client: TendClient, name: string, rows: number) {
  const lines: string[] = [];
  for await (const l of client.logs(name, { lines: Math.max(1, rows - 4) }))
    lines.push(l.stream === "stderr" ? `! ${l.text}` : l.text);
  return { name, lines };
}

// The status line says what went wrong in one line.
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
