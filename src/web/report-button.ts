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
