// Thousands of small resuming WebSocket clients in one process, for the rolling-deploy test.
// Each keeps only what the test checks: its epoch, the offsets it received in order, and how its
// connections ended. It resumes with `since`/`epoch` after any close, as a real client does.
// Events are recognised by their `"type":` prefix and their offset read from the tail of the
// frame (the edge appends `"offset"` and `"epoch"` last), so 2,000 clients cost little CPU.
import WebSocket from 'ws';

export interface FleetClient {
  readonly id: number;
  /** Epoch and offset of the first initial_status. */
  epoch: string | null;
  base: string | null;
  /** Offsets of replayable events received after `base`, in arrival order. */
  readonly offsets: string[];
  last: string | null;
  connected: boolean;
  connects: number;
  /** initial_status frames after the first: a resume that could not be served. */
  resyncs: number;
  readonly closes: Map<number, number>;
  readonly errors: string[];
}

export interface ClientFleet {
  readonly clients: readonly FleetClient[];
  /** Open every client (in batches) and wait for each one's initial_status. */
  connectAll(timeoutMs: number): Promise<void>;
  connectedCount(): number;
  closeAll(): Promise<void>;
}

const EVENT_TYPES = [
  '{"type":"mcp_status_change"',
  '{"type":"health_event"',
  '{"type":"mcp_registered"',
  '{"type":"mcp_updated"',
  '{"type":"mcp_removed"',
];
const OFFSET_KEY = '"offset":"';

function offsetOf(text: string): string {
  const i = text.lastIndexOf(OFFSET_KEY);
  if (i < 0) return '';
  const start = i + OFFSET_KEY.length;
  return text.slice(start, text.indexOf('"', start));
}

export function createClientFleet(options: {
  /** ws://host:port/ws/mcp-status?token=... */
  readonly url: string;
  readonly count: number;
  readonly batch?: number;
}): ClientFleet {
  const clients: FleetClient[] = [];
  const sockets = new Map<number, WebSocket>();
  let stopping = false;

  const connect = (c: FleetClient): void => {
    const resume =
      c.last !== null && c.epoch !== null
        ? `&since=${encodeURIComponent(c.last)}&epoch=${encodeURIComponent(c.epoch)}`
        : '';
    const ws = new WebSocket(`${options.url}${resume}`, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    sockets.set(c.id, ws);
    ws.on('open', () => {
      c.connects++;
      // A resume is live at once; a first connect once its initial_status arrived.
      if (resume !== '') c.connected = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        c.errors.push('binary frame');
        return;
      }
      const text = data.toString('utf8');
      if (text.startsWith('{"type":"initial_status"')) {
        const m = JSON.parse(text) as { offset: string; epoch: string; recovered?: boolean };
        if (c.epoch === null) {
          c.epoch = m.epoch;
          c.base = m.offset;
        } else {
          c.resyncs++;
          c.errors.push(`initial_status again (recovered: ${String(m.recovered)})`);
        }
        c.last = m.offset;
        c.connected = true;
        return;
      }
      if (EVENT_TYPES.some((p) => text.startsWith(p))) {
        const offset = offsetOf(text);
        c.offsets.push(offset);
        c.last = offset;
        return;
      }
      if (text.startsWith('{"type":"error"')) c.errors.push(text);
      // ping, system_metrics, ack, "pong": nothing to check.
    });
    // A refused upgrade: keep the status and the edge's (or the LB's) reason, then give up on
    // this attempt; 'close' follows and schedules the next one.
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 300) body += chunk;
      });
      res.on('end', () => {
        if (c.errors.length < 50) c.errors.push(`HTTP ${res.statusCode ?? '?'}: ${body.trim()}`);
        ws.terminate();
      });
    });
    ws.on('error', (err: Error) => {
      if (c.errors.length < 20) c.errors.push(`socket: ${err.message}`);
    });
    ws.on('close', (code: number) => {
      c.connected = false;
      c.closes.set(code, (c.closes.get(code) ?? 0) + 1);
      if (sockets.get(c.id) === ws) sockets.delete(c.id);
      if (stopping) return;
      // 1012 = the edge is restarting: come back soon, spread out so edges are not stampeded.
      const delay = code === 1012 ? 50 + Math.random() * 450 : 200 + Math.random() * 800;
      setTimeout(() => {
        if (!stopping) connect(c);
      }, delay);
    });
  };

  for (let id = 0; id < options.count; id++) {
    clients.push({
      id,
      epoch: null,
      base: null,
      offsets: [],
      last: null,
      connected: false,
      connects: 0,
      resyncs: 0,
      closes: new Map(),
      errors: [],
    });
  }

  const connectedCount = (): number => clients.filter((c) => c.connected).length;

  return Object.freeze({
    clients,
    connectedCount,
    async connectAll(timeoutMs: number) {
      const batch = options.batch ?? 100;
      const deadline = Date.now() + timeoutMs;
      for (let i = 0; i < clients.length; i += batch) {
        const group = clients.slice(i, i + batch);
        for (const c of group) connect(c);
        // Let each batch finish its handshake before the next: no SYN-backlog overflows.
        while (group.some((c) => !c.connected)) {
          if (Date.now() > deadline) {
            throw new Error(`only ${connectedCount()} of ${clients.length} clients connected`);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
    async closeAll() {
      stopping = true;
      const open = [...sockets.values()];
      await Promise.all(
        open.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.terminate();
            }),
        ),
      );
    },
  });
}
