/** An unbounded queue with one consumer that waits: what the transports hear, in order, until the client closes. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | null) => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter !== null) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
    } else {
      this.items.push(item);
    }
  }

  /** The next item, or null once the queue is closed (what was still queued is dropped). */
  take(): Promise<T | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.waiter?.(null);
    this.waiter = null;
  }
}
