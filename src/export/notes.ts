// What an export could not carry over exactly. Every such key is said, with what was done instead;
// the same note for several processes is said once, naming them all.
export interface ExportNote {
  process: string; // a process name, or "(config)" for the file as a whole
  key: string; // the tend key, as written in the config file
  note: string; // what the target does instead
}

export class ExportNotes {
  readonly list: ExportNote[] = [];

  add(process: string, key: string, note: string): void {
    this.list.push({ process, key, note });
  }

  // "api, worker: watch: no counterpart; …", one line per (key, note), in the order first seen.
  render(target: string): string {
    const groups = new Map<string, { key: string; note: string; processes: string[] }>();
    for (const n of this.list) {
      const id = `${n.key}\0${n.note}`;
      const g = groups.get(id) ?? { key: n.key, note: n.note, processes: [] };
      if (!g.processes.includes(n.process)) g.processes.push(n.process);
      groups.set(id, g);
    }
    if (groups.size === 0) return "";
    const lines = [...groups.values()].map((g) => `  ${g.processes.join(", ")}: ${g.key}: ${g.note}\n`);
    return `tend export ${target}: not carried over exactly:\n${lines.join("")}`;
  }
}

// An export that cannot be made: every reason at once, and nothing is written.
export class ExportError extends Error {
  constructor(
    target: string,
    readonly problems: string[],
  ) {
    super(`tend export ${target}: nothing written:\n${problems.map((p) => `  ${p}\n`).join("")}`.trimEnd());
    this.name = "ExportError";
  }
}

// One file of an export: a path relative to the output directory and its text.
export interface ExportFile {
  path: string;
  text: string;
  mode?: number; // 0o600 for files holding secrets
}

export interface ExportResult {
  files: ExportFile[];
  notes: ExportNotes;
}
