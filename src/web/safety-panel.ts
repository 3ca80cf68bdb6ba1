/**
 * The safety code on the page: shown when the call's code is known, "It matches" marks it
 * verified on this side, and a new code (a new certificate) clears the mark. Tests read
 * `data-code` and `data-verified` on #safetyCode.
 */
import type { CallClient, SafetyCode } from '../client/index.ts';
import type { TrustStrings } from './trust-strings.ts';

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

/** Wires #safetyPanel to the client. */
export function setupSafetyPanel(client: CallClient, S: TrustStrings): void {
  const panel = el('safetyPanel');
  const codeEl = el('safetyCode');
  const matchBtn = el<HTMLButtonElement>('safetyMatchBtn');
  const verifiedEl = el('safetyVerified');

  const draw = (code: SafetyCode | undefined): void => {
    const inCall = client.state !== 'idle' && client.state !== 'left' && client.state !== 'error';
    panel.hidden = !inCall;
    codeEl.dataset['code'] = code?.code ?? '';
    codeEl.dataset['verified'] = String(code?.verified ?? false);
    codeEl.textContent = code?.code ?? S.safetyPending;
    codeEl.classList.toggle('pending', !code);
    matchBtn.hidden = !code || code.verified;
    verifiedEl.hidden = !code?.verified;
  };
  client.on('safety-code', draw);
  client.on('state', () => draw(client.safetyCode));
  matchBtn.addEventListener('click', () => {
    const code = client.safetyCode;
    if (code) client.confirmSafetyCode(code.code);
    verifiedEl.focus();
  });
  draw(undefined);
}
