// A ticking relative time ("12 s ago"). Only this text node re-renders each second, not its row.
import { memo } from 'react';
import { ago } from '../format.js';
import { useNow } from '../hooks.js';

export const Ago = memo(function Ago({ iso }: { iso: string | null }) {
  const now = useNow();
  return (
    <time dateTime={iso ?? undefined} title={iso ?? 'never checked'}>
      {ago(iso, now)}
    </time>
  );
});
