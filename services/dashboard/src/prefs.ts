// Display preferences kept in localStorage: colour theme (system/light/dark) and layout
// (laptop/wall). Applied as data attributes on <html> so CSS does the rest.
import { useCallback, useEffect, useState } from 'react';

export type Theme = 'system' | 'light' | 'dark';
export type Layout = 'laptop' | 'wall';
export type View = 'cards' | 'table';

function read<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = window.localStorage.getItem(key);
    return allowed.includes(v as T) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

function usePref<T extends string>(
  key: string,
  allowed: readonly T[],
  fallback: T,
): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => read(key, allowed, fallback));
  const set = useCallback(
    (v: T) => {
      setValue(v);
      try {
        window.localStorage.setItem(key, v);
      } catch {
        // No storage: the choice lasts for this page.
      }
    },
    [key],
  );
  return [value, set];
}

export function usePrefs(): {
  theme: Theme;
  setTheme: (t: Theme) => void;
  layout: Layout;
  setLayout: (l: Layout) => void;
  view: View;
  setView: (v: View) => void;
} {
  const urlLayout = new URLSearchParams(window.location.search).get('layout');
  const [theme, setTheme] = usePref<Theme>('beacon.theme', ['system', 'light', 'dark'], 'system');
  const [layout, setLayout] = usePref<Layout>(
    'beacon.layout',
    ['laptop', 'wall'],
    urlLayout === 'wall' ? 'wall' : 'laptop',
  );
  const [view, setView] = usePref<View>('beacon.view', ['cards', 'table'], 'cards');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    document.documentElement.dataset.layout = layout;
  }, [layout]);
  return { theme, setTheme, layout, setLayout, view, setView };
}
