/**
 * "Download report": the client's call report as a JSON file, for the people who run the server
 * (`zerortc report FILE` reads it). Offered from the first join on, during and after the call.
 */
import type { CallClient } from '../client/index.ts';

/** Wires #reportBtn to `client.report()`. */
export function setupReportButton(client: CallClient): void {
  const button = document.getElementById('reportBtn') as HTMLButtonElement | null;
  if (!button) throw new Error('#reportBtn is missing');
  client.on('state', ({ state }) => {
    if (state !== 'idle') button.hidden = false;
    // After the call the page changes under the person (the join form and the pre-call check come
    // back) wherever they had scrolled to: bring the state line and this button into view. On the
    // next frame, once the page is drawn for the new state.
    if (state === 'left' || state === 'error') requestAnimationFrame(() => bringIntoView(button));
  });
  button.addEventListener('click', () => {
    void client.report().then((report) => {
      const blob = new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `zerortc-report-${report.createdAt.replace(/[:.]/g, '-')}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  });
}

/**
 * Scrolls `el` to the middle of its scroller (the side column on wide screens, the page on phones)
 * unless it is wholly in view already, above the control bar. Centred, the state line right above
 * it shows too.
 */
function bringIntoView(el: HTMLElement): void {
  const box = el.getBoundingClientRect();
  const scroller = el.parentElement?.getBoundingClientRect();
  const bar = document.querySelector('.controls')?.getBoundingClientRect();
  const top = Math.max(0, scroller?.top ?? 0);
  const bottom = Math.min(window.innerHeight, scroller?.bottom ?? Infinity, bar?.top ?? Infinity);
  if (box.top < top || box.bottom > bottom) el.scrollIntoView({ block: 'center' });
}
