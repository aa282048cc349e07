/** The admin API of a Chaton for Workers site, as the import and export tools use it. */
import { Backoff, sleep } from "../../packages/client/src/backoff";

export { adminToken } from "./admin-token.mjs";

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const RETRIES = 4;

export class AdminApi {
  constructor(
    private readonly site: string,
    private readonly room: string,
    private readonly token: string,
  ) {}

  private url(path: string): string {
    return `${this.site.replace(/\/$/, "")}/${encodeURIComponent(this.room)}/admin/${path}`;
  }

  /** A request, tried again after a network failure or a 5xx/429 (a batch is idempotent); a 4xx is final. */
  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let lastError: unknown;
    const backoff = new Backoff({ minMs: 1_000, maxMs: 8_000 });
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      if (attempt > 0) await sleep(backoff.next());
      let res: Response;
      try {
        res = await fetch(this.url(path), { ...init, headers: { Authorization: `Bearer ${this.token}`, ...(init.headers as Record<string, string>) } });
      } catch (error) {
        lastError = error;
        continue;
      }
      const text = await res.text();
      if (res.ok) return JSON.parse(text) as T;
      lastError = new AdminApiError(res.status, `${res.status}: ${text.trim()}`);
      if (res.status < 500 && res.status !== 429) break;
    }
    if (lastError instanceof AdminApiError) throw lastError;
    throw new AdminApiError(0, `cannot reach ${this.site}: ${String((lastError as Error)?.cause ?? lastError)}`);
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>(path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }
}
