import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadUws } from './uws.js';

describe('uWebSockets.js loading', () => {
  it('loads the native binary on this Node', () => {
    const l = loadUws();
    expect(l.fallback).toBe(false);
    expect(l.binary).toMatch(/uws_.*\.node$/);
  });

  it('detects the JS fallback', () => {
    // A fresh process (the loader decides once per process); the built module, as Node 20
    // cannot import TypeScript.
    const url = new URL('../dist/uws.js', import.meta.url).href;
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { loadUws } = await import(${JSON.stringify(url)}); const l = loadUws(); console.log(JSON.stringify({ fallback: l.fallback, reason: l.reason }));`,
      ],
      {
        env: { ...process.env, UWS_USE_FALLBACK: '1' },
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      },
    ).toString();
    expect(out).toMatch(/"fallback":true/);
    expect(out).toMatch(/UWS_USE_FALLBACK/);
  });
});
