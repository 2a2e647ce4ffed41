// Where the dashboard's token comes from: `?token=` in the URL (the local stack prints such a
// link; the parameter is removed from the address bar at once so it is not bookmarked or shared),
// else localStorage from an earlier sign-in.
const KEY = 'beacon.token';

export function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.toString());
  return token.trim() === '' ? null : token.trim();
}

export function storedToken(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, token);
  } catch {
    // Private mode without storage: the token lives for this page only.
  }
}

/** Token from the URL (stored for next time) or from storage. */
export function initialToken(): string | null {
  const fromUrl = takeTokenFromUrl();
  if (fromUrl !== null) {
    storeToken(fromUrl);
    return fromUrl;
  }
  return storedToken();
}
