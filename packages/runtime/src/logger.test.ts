import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with name and level, and redacts secrets at any common depth', () => {
    const out = capture();
    const log = createLogger({ name: 'edge', level: 'info', destination: out.stream });
    log.child({ component: 'auth' }).info(
      {
        authorization: 'Bearer abc',
        token: 't0p',
        req: { headers: { authorization: 'Bearer xyz', host: 'h' } },
        mcp: { transport: { password: 'pw', url: 'http://x' }, secret: 's' },
      },
      'hello',
    );
    log.debug('hidden at info level');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ name: 'edge', component: 'auth', msg: 'hello', level: 30 });
    const text = JSON.stringify(line);
    for (const secret of ['Bearer abc', 't0p', 'Bearer xyz', '"pw"', '"s"']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('http://x');
    expect(text).toContain('[redacted]');
  });

  it('serialises errors under err with message and stack', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.error({ err: new Error('kaput') }, 'failed');
    const err = out.lines()[0]?.err as { message: string; stack: string };
    expect(err.message).toBe('kaput');
    expect(err.stack).toContain('kaput');
  });
});
