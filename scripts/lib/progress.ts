/** A progress line on a terminal (stderr), redrawn at most a few times a second; nothing when stderr is not a terminal. */
export class Progress {
  private readonly started = Date.now();
  private drawn = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly what: string,
    private readonly totalDays: number,
    private readonly totalEntries: number,
  ) {}

  update(days: number, entries: number, force = false): void {
    if (!this.tty) return;
    const now = Date.now();
    if (!force && now - this.drawn < 200) return;
    this.drawn = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? entries / seconds : 0;
    const left = rate > 0 ? Math.ceil((this.totalEntries - entries) / rate) : null;
    if (this.totalEntries === 0) {
      process.stderr.write(`\r\x1b[K${this.what}: ${days}/${this.totalDays} days`);
      return;
    }
    const line = `${this.what}: ${days}/${this.totalDays} days, ${entries.toLocaleString("en")}/${this.totalEntries.toLocaleString("en")} entries, ${Math.round(rate).toLocaleString("en")} entries/s${left === null ? "" : `, ${formatSeconds(left)} left`}`;
    process.stderr.write(`\r\x1b[K${line}`);
  }

  done(): void {
    if (this.tty) process.stderr.write("\r\x1b[K");
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
