import { closeFd } from "./libc.ts";
import { PipeReader } from "./pipe-reader.ts";

// The reading end of a child's output pipe. read() hands over everything written to it, in
// order, and resolves (with the fd closed) when every writer has closed it or it broke. A chunk
// handed to onData is only valid during the call: its memory is reused for the next one.
export interface OutputPipe {
  read(onData: (bytes: Uint8Array) => void): Promise<void>;
}

const pipeReader = new PipeReader();

// The supervisor did something (a request, an event): its pipes are swept a second later.
export function sweepOutputPipesSoon(): void {
  pipeReader.nudge();
}

// The pipe `fd`, read by `reader` (or, if it cannot take it, through Bun's stream reader).
export function outputPipe(fd: number, reader: PipeReader = pipeReader): OutputPipe {
  let taken = false;
  return {
    read(onData) {
      if (taken) return Promise.reject(new Error(`pipe ${fd} is already being read`));
      taken = true;
      return reader.watch(fd, onData) ?? readStream(Bun.file(fd).stream(), onData).finally(() => closeFd(fd));
    },
  };
}

// Reads `stream` to its end, handing each chunk to onData; resolves (never rejects) when it
// ends or breaks, with what was read handed over. Bun's readMany hands over every chunk already
// buffered, without a promise when there is one: fewer turns of the event loop under a flood.
export async function readStream(
  stream: ReadableStream<Uint8Array>,
  onData: (bytes: Uint8Array) => void,
): Promise<void> {
  try {
    const reader = stream.getReader() as unknown as ManyReader;
    for (;;) {
      const got = reader.readMany();
      const { done, value } = got instanceof Promise ? await got : got;
      for (const chunk of value ?? []) onData(chunk);
      if (done) return;
    }
  } catch {
    // The pipe broke: what was read is kept.
  }
}

interface ManyReader {
  readMany(): { done: boolean; value?: Uint8Array[] } | Promise<{ done: boolean; value?: Uint8Array[] }>;
}
