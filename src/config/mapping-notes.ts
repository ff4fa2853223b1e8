// What an export or an import could not carry over exactly. Every such key is said, with what was
// done instead; the same note for several processes is said once, naming them all.
export interface MappingNote {
  process: string; // a process name, or "(config)" for the file as a whole
  key: string; // the key, as written in the file it comes from
  note: string; // what the target does instead
}

export class MappingNotes {
  readonly list: MappingNote[] = [];

  add(process: string, key: string, note: string): void {
    this.list.push({ process, key, note });
  }

  // "api, worker: watch: no counterpart; …", one line per (key, note), in the order first seen,
  // under `title`; nothing when there is no note.
  render(title: string): string {
    const groups = new Map<string, { key: string; note: string; processes: string[] }>();
    for (const n of this.list) {
      const id = `${n.key}\0${n.note}`;
      const g = groups.get(id) ?? { key: n.key, note: n.note, processes: [] };
      if (!g.processes.includes(n.process)) g.processes.push(n.process);
      groups.set(id, g);
    }
    if (groups.size === 0) return "";
    const lines = [...groups.values()].map((g) => `  ${g.processes.join(", ")}: ${g.key}: ${g.note}\n`);
    return `${title}\n${lines.join("")}`;
  }
}
