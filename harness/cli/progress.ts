// A transient progress line on a TTY ("[12/60] running h1 WIN-01"), rewritten in place; plain
// output (one line per result, nothing transient) when not a TTY or CI=true.
export class ProgressLine {
  private shown = false;
  private last = '';

  constructor(private readonly tty: boolean) {}

  update(text: string): void {
    if (!this.tty) return;
    this.last = text;
    this.render(text);
  }

  /** A permanent line (above the progress line on a TTY). */
  print(line: string, counter: string): void {
    if (this.tty) {
      this.clear();
      process.stdout.write(`${line}\n`);
      this.render(`${counter} ${this.last}`);
    } else {
      process.stdout.write(`${counter.padEnd(8)} ${line}\n`);
    }
  }

  clear(): void {
    if (this.tty && this.shown) process.stdout.write('\r\x1b[2K');
    this.shown = false;
  }

  private render(text: string): void {
    const width = process.stdout.columns ?? 80;
    process.stdout.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
    this.shown = true;
  }
}
