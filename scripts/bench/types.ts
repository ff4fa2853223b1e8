// A measurement is one function in the registry; it may report several rows (e.g. RSS at 1 and
// 100 children). `met` is whether the figure meets the target, null when there is no target.
export interface Row {
  metric: string;
  result: string;
  target: string;
  met: boolean | null;
}

export interface BenchContext {
  bin: string;
  quick: boolean;
  // Parent of every temp dir the bench creates.
  tmpRoot: string;
  log(message: string): void;
  // Things that went wrong without failing the measurement (leaks, non-zero exits).
  problem(message: string): void;
}

export interface Measurement {
  id: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
