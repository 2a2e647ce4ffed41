// A one-shot RESP client for health checks on Redis servers we start (PING, CLUSTER INFO):
// no reconnect logic and no error-event noise, unlike a full client. Handles the reply kinds
// those commands produce: simple strings, errors, integers and bulk strings.
import { connect } from 'node:net';

export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** Parse one complete reply from `buf`, or return undefined if more bytes are needed. */
function parse(buf: Buffer): string | RedisReplyError | undefined {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', 1, eol);
  switch (String.fromCharCode(buf[0] ?? 0)) {
    case '+':
    case ':':
      return head;
    case '-':
      return new RedisReplyError(head);
    case '$': {
      const len = Number(head);
      if (len < 0) return '';
      if (buf.length < eol + 2 + len + 2) return undefined;
      return buf.toString('utf8', eol + 2, eol + 2 + len);
    }
    default:
      return new RedisReplyError(`unsupported reply type: ${buf.toString('utf8', 0, eol)}`);
  }
}

export function redisCommand(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 2000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const socket = connect({ host, port });
    const done = (err: Error | undefined, value?: string): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`redis ${host}:${port} timed out`)));
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const reply = parse(buf);
      if (reply === undefined) return;
      if (reply instanceof Error) done(reply);
      else done(undefined, reply);
    });
    socket.once('close', () => done(new Error(`redis ${host}:${port} closed the connection`)));
  });
}

/** True when the server answers PING with PONG (not LOADING, not refused). */
export async function pingOk(host: string, port: number): Promise<boolean> {
  try {
    return (await redisCommand(host, port, ['PING'], 1000)) === 'PONG';
  } catch {
    return false;
  }
}
