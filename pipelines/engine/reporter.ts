// Progress for people: a live list with one progress bar per running stage on a terminal (cli-progress), plain
// timestamped lines elsewhere (CI logs, pipes), so both read well.
import cliProgress from 'cli-progress';

export type Outcome = 'ran' | 'cached' | 'failed' | 'skipped';

export interface Reporter {
  started(id: string): void;
  progress(id: string, done: number, total: number, message?: string): void;
  finished(id: string, outcome: Outcome, seconds: number, detail?: string): void;
  log(id: string, level: string, message: string): void;
  info(message: string): void;
  close(): void;
}

export function createReporter(stream: NodeJS.WriteStream = process.stdout): Reporter {
  const interactive = stream.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb';
  return interactive ? new TerminalReporter(stream) : new PlainReporter(stream);
}

const SYMBOL: Record<Outcome, string> = { ran: '✔', cached: '•', failed: '✖', skipped: '-' };
const VERB: Record<Outcome, string> = { ran: 'done', cached: 'cached', failed: 'FAILED', skipped: 'skipped' };

export class PlainReporter implements Reporter {
  private readonly lastProgress = new Map<string, { at: number; fraction: number }>();

  constructor(private readonly stream: { write(text: string): unknown }) {}

  private line(text: string): void {
    this.stream.write(`[${new Date().toISOString().slice(11, 23)}] ${text}\n`);
  }

  started(id: string): void {
    this.line(`▶ ${id} running`);
  }

  /** At most one line per stage every 5 s or 25 %, so long stages show life without flooding a CI log. */
  progress(id: string, done: number, total: number, message?: string): void {
    const fraction = total > 0 ? done / total : 0;
    const last = this.lastProgress.get(id);
    const now = Date.now();
    if (last && now - last.at < 5000 && fraction - last.fraction < 0.25 && done < total) return;
    this.lastProgress.set(id, { at: now, fraction });
    this.line(`  ${id} ${Math.round(fraction * 100)}% (${done}/${total})${message ? ` ${message}` : ''}`);
  }

  finished(id: string, outcome: Outcome, seconds: number, detail?: string): void {
    const time = outcome === 'ran' || outcome === 'failed' ? ` in ${seconds.toFixed(1)}s` : '';
    this.line(`${SYMBOL[outcome]} ${id} ${VERB[outcome]}${time}${detail ? `: ${detail}` : ''}`);
  }

  log(id: string, level: string, message: string): void {
    this.line(`  ${id} ${level}: ${message}`);
  }

  info(message: string): void {
    this.line(message);
  }

  close(): void {}
}

class TerminalReporter implements Reporter {
  private readonly bars: cliProgress.MultiBar;
  private readonly active = new Map<string, { bar: cliProgress.SingleBar; started: number }>();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: ' {bar} {percentage}% | {id} {message}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        barsize: 24,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  started(id: string): void {
    this.active.set(id, { bar: this.bars.create(1, 0, { id, message: 'starting' }), started: Date.now() });
  }

  progress(id: string, done: number, total: number, message?: string): void {
    const entry = this.active.get(id);
    if (!entry) return;
    entry.bar.setTotal(Math.max(total, 1));
    entry.bar.update(done, { id, message: message ?? `${done}/${total}` });
  }

  finished(id: string, outcome: Outcome, seconds: number, detail?: string): void {
    const entry = this.active.get(id);
    if (entry) {
      this.bars.remove(entry.bar);
      this.active.delete(id);
    }
    const time = outcome === 'ran' || outcome === 'failed' ? ` in ${seconds.toFixed(1)}s` : '';
    this.bars.log(`${SYMBOL[outcome]} ${id} ${VERB[outcome]}${time}${detail ? `: ${detail}` : ''}\n`);
  }

  log(id: string, level: string, message: string): void {
    this.bars.log(`  ${id} ${level}: ${message}\n`);
  }

  info(message: string): void {
    this.bars.log(`${message}\n`);
  }

  close(): void {
    this.bars.stop();
  }
}
