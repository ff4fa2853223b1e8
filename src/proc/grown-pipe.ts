import { setPipeSize } from "./libc.ts";

// A busy pipe gets a 1 MiB kernel buffer: the child blocks less often and each read takes more.
// It keeps it until the run ends. Only so many at once: an unprivileged user's pipe buffers (the
// supervisor's and its children's own, when they run as that user) share a limit,
// fs.pipe-user-pages-soft (64 MiB), past which that user's new pipes get 8 KiB.
const GROWN_PIPE_BYTES = 1024 * 1024;
const MAX_GROWN_PIPES = 16;
let grownPipes = 0;

export class GrownPipe {
  private tried = false;
  private grown = false;
  constructor(private readonly fd: number) {}

  // Whether the pipe holds GROWN_PIPE_BYTES.
  get isGrown(): boolean {
    return this.grown;
  }

  grow(): void {
    if (this.tried || grownPipes >= MAX_GROWN_PIPES) return;
    this.tried = true; // once per pipe: a refusal will not change
    this.grown = setPipeSize(this.fd, GROWN_PIPE_BYTES);
    if (this.grown) grownPipes++;
  }

  release(): void {
    if (this.grown) grownPipes--;
    this.grown = false;
  }
}
