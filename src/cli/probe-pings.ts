/** The probe's data channel check: a few pings, their round trips, and whether the other side echoed. */
import type { RTCDataChannel } from 'werift';
import { round, type ProbeReport } from './probe-types.ts';

const PING_COUNT = 5;

/** Data channel round trips: each side echoes `ping` as `pong` and times its own pings. */
export function startPings(report: ProbeReport): {
  attach(channel: RTCDataChannel): void;
  result(channel: RTCDataChannel | undefined): NonNullable<ProbeReport['dataChannel']>;
} {
  const rtts: number[] = [];
  let opened = false;
  const pending = new Map<number, number>();
  return {
    attach(channel) {
      const ping = (seq: number): void => {
        pending.set(seq, performance.now());
        channel.send(JSON.stringify({ type: 'ping', seq }));
      };
      const onOpen = (): void => {
        if (opened) return;
        opened = true;
        ping(0);
      };
      channel.onMessage.subscribe((data) => {
        let message: Record<string, unknown> | undefined;
        try {
          const value: unknown = JSON.parse(data.toString());
          message = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
        } catch {
          message = undefined;
        }
        if (!message || typeof message['seq'] !== 'number') return;
        const seq = message['seq'];
        if (message['type'] === 'ping') channel.send(JSON.stringify({ type: 'pong', seq }));
        if (message['type'] === 'pong' && pending.has(seq)) {
          rtts.push(round(performance.now() - pending.get(seq)!));
          pending.delete(seq);
          if (seq + 1 < PING_COUNT) ping(seq + 1);
        }
      });
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') onOpen();
      });
      if (channel.readyState === 'open') onOpen();
      channel.error.subscribe((err) => report.warnings.push(`data channel: ${err.message}`));
    },
    result(channel) {
      if (!channel) return { state: 'not-negotiated', echoed: false };
      return { state: opened ? 'open' : 'not-open', echoed: rtts.length > 0, ...(rtts.length ? { rttMs: rtts } : {}) };
    },
  };
}
