/**
 * "New call": a room name nobody can guess (128 random bits), its link to send, a button that
 * copies it and a QR code (the `qrcode` library, drawn on a canvas: no inline script or style,
 * so the page's Content-Security-Policy holds) for joining from a phone.
 */
import QRCode from 'qrcode';
import type { Strings } from './i18n.ts';

/** 16 random bytes as base64url: 22 characters, 128 bits. */
export function randomRoomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export interface NewCallElements {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  readonly link: HTMLInputElement;
  readonly copy: HTMLButtonElement;
  readonly qr: HTMLCanvasElement;
  readonly roomInput: HTMLInputElement;
}

/**
 * Wires the "New call" button: it fills in a fresh room name and shows its link and QR code.
 * @param shareUrl the link of a room, as the page shares it
 */
export function setUpNewCall(el: NewCallElements, S: Strings, shareUrl: (room: string) => string): void {
  el.button.addEventListener('click', () => {
    const room = randomRoomName();
    el.roomInput.value = room;
    const url = shareUrl(room);
    el.link.value = url;
    el.panel.hidden = false;
    el.copy.textContent = S.copyLink;
    void QRCode.toCanvas(el.qr, url, { margin: 2, width: 200, errorCorrectionLevel: 'M' }).then(
      () => (el.qr.dataset['ready'] = 'true'),
      () => (el.qr.hidden = true),
    );
  });
  // A name typed by hand is a room of one's own: the link shown was for the generated one.
  el.roomInput.addEventListener('input', () => (el.panel.hidden = true));
  el.copy.addEventListener('click', () => {
    el.link.select();
    void navigator.clipboard
      ?.writeText(el.link.value)
      .then(() => {
        el.copy.textContent = S.copied;
        setTimeout(() => (el.copy.textContent = S.copyLink), 1500);
      })
      .catch(() => undefined);
  });
}
