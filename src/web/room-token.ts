/**
 * The room token the page was opened with: `/?room=NAME#token=JWT` (SPEC §5). A fragment never
 * reaches the server's logs or a Referer. The page reads the token's `sub` (the uid its seat is
 * bound to) without checking the signature: the server does that.
 */

/** The token in a URL fragment such as `#token=eyJ...`, if any. */
export function tokenFromHash(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token !== null && token !== '' ? token : undefined;
}

/** The `sub` claim of a compact JWT, when it has a readable string one. */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    const sub = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['sub'] : undefined;
    return typeof sub === 'string' && sub.length > 0 && sub.length <= 64 ? sub : undefined;
  } catch {
    return undefined;
  }
}
