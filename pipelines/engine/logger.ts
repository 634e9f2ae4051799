// A stage's logger: every line as NDJSON into the artifact's `log.ndjson` (pino), warnings and errors also
// to the console through the reporter.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface StageLogger {
  log: Logger;
  /** Flush the file; called before the artifact is committed. */
  close(): void;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function createStageLogger(
  file: string,
  node: string,
  onConsole: (level: string, message: string) => void,
): StageLogger {
  // Synchronous writes: a stage that crashes still leaves every line it logged.
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  const forward = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        const line = JSON.parse(chunk.toString()) as { level: number; msg?: string };
        onConsole(LEVELS[line.level] ?? String(line.level), line.msg ?? '');
      } catch {
        // A line that is not JSON is still in the file; nothing to forward.
      }
      callback();
    },
  });
  const level = process.env.HXLR_LOG_LEVEL ?? 'info';
  const log = pino(
    { level, base: { node } },
    pino.multistream([
      { level: level as pino.Level, stream: destination },
      { level: 'warn', stream: forward },
    ]),
  );
  return {
    log,
    close() {
      destination.flushSync();
      destination.end();
    },
  };
}
