// Builds the dashboard to static assets in dist/, which the edge serves at `/`. Relative asset
// paths ('./') so the same build works behind any path prefix a proxy adds.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    // `pnpm --filter @beacon/dashboard dev` against a local edge (default port 3001).
    proxy: {
      '/api': 'http://127.0.0.1:3001',
      '/ws': { target: 'ws://127.0.0.1:3001', ws: true },
    },
  },
});
