// Probe results as every part of tend speaks about them: zod shapes in shapes.ts.
export type {
  LastProbe,
  ProbeKind,
  ProbeReport,
  ProbeResult,
  ProbeScheduleReport,
  ProbeStatus,
} from "./shapes.ts";
