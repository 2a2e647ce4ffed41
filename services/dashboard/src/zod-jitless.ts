// zod compiles object parsers with `new Function` after probing for it; the edge's
// Content-Security-Policy forbids eval, so the probe would be a violation on every page load.
// zod reads this when schemas are constructed (module load), so main.tsx imports this first.
import { z } from 'zod';

z.config({ jitless: true });
