/**
 * A progress bar on stderr that prints notes (retries, errors) above itself as they happen.
 * On a terminal it redraws one line; otherwise it prints a status line every few seconds.
 *
 * @module
 */

/** What the bar shows. */
export interface ProgressState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  /** Extra text after the counts. */
  readonly detail: string;
}

const WIDTH = 28;

export class ProgressBar {
  private readonly tty: boolean;
  private last: ProgressState | undefined;
  private lastPlainAt = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true;
  }

  private line(state: ProgressState): string {
    const ratio = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
    const filled = Math.round(ratio * WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
    const pct = `${Math.floor(ratio * 100)}`.padStart(3);
    return `${state.label} [${bar}] ${pct}% ${state.done.toLocaleString("en-US")}/${state.total.toLocaleString("en-US")} ${state.detail}`;
  }

  /** Redraws the bar. */
  update(state: ProgressState): void {
    this.last = state;
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.line(state)}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlainAt >= 2_000) {
      this.lastPlainAt = Date.now();
      this.stream.write(`${this.line(state)}\n`);
    }
  }

  /** Prints a line above the bar (e.g. a retry), then redraws the bar. */
  note(text: string): void {
    if (this.tty && this.drawn) this.stream.write("\r\x1b[2K");
    this.stream.write(`${text}\n`);
    if (this.tty && this.last !== undefined) this.stream.write(this.line(this.last));
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.last === undefined) return;
    if (this.tty) this.stream.write(`\r\x1b[2K${this.line(this.last)}\n`);
    else this.stream.write(`${this.line(this.last)}\n`);
    this.drawn = false;
  }
}
