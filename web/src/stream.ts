// Follow one run over the notifier's WebSocket (WS /ws/runs/{id}?token=…&after=SEQ).
// Every message carries the run's stream `sequence`; the client keeps the last one it saw,
// drops anything at or below it (a replay after a reconnect can overlap), and on any close
// but the normal one after the run's last event it asks the gateway for a fresh token
// (GET /api/status/{id}: the first one is good for 60 s to connect) and reconnects with
// after=<last sequence>, backing off 0.5 s, 1 s, 2 s … up to 8 s. Nothing is lost or shown twice.

import { request } from "./api";

export interface RunMessage {
  event_id: string;
  type: string;
  run_id: string;
  task_id: string | null;
  sequence: number;
  occurred_at: string;
  payload: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  progress: number;
  artifact_url?: string;
  thumbnail_url?: string;
}

const TERMINAL = new Set(["run.completed", "run.failed", "run.cancelled"]);
const PERMANENT = new Set([4403, 4422]); // token for another run; a bad `after`: retrying cannot help
const MAX_DELAY_MS = 8000;

export type StreamState = "connecting" | "live" | "reconnecting" | "ended" | "error";

export interface StreamHandlers {
  message(m: RunMessage): void;
  state(state: StreamState, detail: string): void;
}

export class RunStream {
  lastSequence = 0;
  reconnects = 0;
  /** Every URL this stream connected to, tokens cut off (the browser tests read it). */
  readonly urls: string[] = [];
  private socket: WebSocket | null = null;
  private ended = false;
  private stopped = false;
  private failures = 0;
  private retryTimer = 0;

  constructor(readonly runId: string, private wsUrl: string, private readonly on: StreamHandlers) {}

  start(): void {
    this.connect();
  }

  /** Stop following (another run was opened); no reconnect. */
  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close(1000, "client left");
  }

  private connect(): void {
    const url = new URL(this.wsUrl);
    if (this.lastSequence > 0) url.searchParams.set("after", String(this.lastSequence));
    this.urls.push(url.toString().replace(/token=[^&]+/, "token=…"));
    this.on.state(this.reconnects ? "reconnecting" : "connecting",
      this.reconnects ? `reconnecting, resuming after event ${this.lastSequence}…` : "connecting…");
    const socket = new WebSocket(url.toString());
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.on.state("live", this.reconnects
        ? `live again — resumed after event ${this.lastSequence} (reconnected ${this.reconnects}×)` : "live");
    };
    socket.onmessage = (event) => {
      let message: RunMessage;
      try {
        message = JSON.parse(String(event.data)) as RunMessage;
      } catch {
        return;
      }
      if (message.sequence <= this.lastSequence) return; // already shown before a reconnect
      this.lastSequence = message.sequence;
      if (TERMINAL.has(message.type)) this.ended = true;
      this.on.message(message);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket || this.stopped) return;
      if (this.ended) {
        this.on.state("ended", "");
        return;
      }
      if (PERMANENT.has(event.code)) {
        this.on.state("error", `the notifier refused this run's stream: ${closeReason(event.reason)}`);
        return;
      }
      this.failures += 1;
      const delay = Math.min(500 * 2 ** (this.failures - 1), MAX_DELAY_MS);
      this.on.state("reconnecting", `Connection to the live progress lost; reconnecting in ${fmtSeconds(delay)} — nothing will be missed (resuming after event ${this.lastSequence}; close ${event.code}${event.reason ? ` ${closeReason(event.reason)}` : ""}).`);
      this.retryTimer = window.setTimeout(() => void this.reconnect(), delay);
    };
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      const status = await request<{ links: { ws: string } }>("GET", `/api/status/${encodeURIComponent(this.runId)}`);
      this.wsUrl = status.links.ws; // a fresh token
    } catch {
      // the gateway is away too: try the old link; its failure schedules the next attempt
    }
    this.reconnects += 1;
    this.connect();
  }
}

function closeReason(reason: string): string {
  try {
    const body = JSON.parse(reason) as { message?: string; code?: string };
    return body.message ?? body.code ?? reason;
  } catch {
    return reason;
  }
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s`;
}
