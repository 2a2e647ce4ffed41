// The edge serves the dashboard under a CSP without 'unsafe-eval'. zod's JIT probes
// `new Function` when a schema is built, which such a page refuses (and reports as a CSP
// violation). Schemas read this setting when they are constructed, at import time: this module
// must be main.tsx's first import so it runs before any schema module.
import { z } from 'zod';

z.config({ jitless: true });
