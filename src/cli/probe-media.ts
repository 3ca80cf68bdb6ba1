/**
 * The probe's media: a looped VP8 clip (real frames a browser decodes) and Opus silence, sent as
 * RTP on werift tracks; and counters for the RTP that arrives on each remote track.
 */
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { PROBE_VIDEO_FPS, PROBE_VIDEO_FRAMES } from './probe-video.ts';

/** Keeps RTP packets under a typical path MTU once SRTP and the IP/UDP headers are added. */
const MAX_PAYLOAD = 1100;
const VIDEO_CLOCK = 90_000;
const OPUS_FRAME_MS = 20;
const OPUS_CLOCK = 48_000;
/** An Opus packet of 20 ms of silence (CELT, TOC 0xf8). */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

export interface SentCounts {
  readonly kind: 'audio' | 'video';
  packets: number;
  bytes: number;
  frames: number;
}

export interface ReceivedCounts {
  readonly kind: 'audio' | 'video';
  packets: number;
  /** RTP payload bytes. */
  bytes: number;
  /** RTP packets with the marker bit: one per video frame. */
  frames: number;
}

/** Splits one VP8 frame into RTP payloads (RFC 7741: a one-byte descriptor, S bit on the first). */
export function packetizeVp8(frame: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  for (let at = 0; at < frame.length; at += MAX_PAYLOAD - 1) {
    const descriptor = Buffer.from([at === 0 ? 0x10 : 0x00]);
    payloads.push(Buffer.concat([descriptor, frame.subarray(at, at + MAX_PAYLOAD - 1)]));
  }
  return payloads;
}

export interface MediaSource {
  readonly video: MediaStreamTrack;
  readonly audio: MediaStreamTrack;
  readonly sent: readonly SentCounts[];
  start(): void;
  stop(): void;
}

/** Tracks that send the clip and silence once start() is called (RTP is dropped by werift until DTLS is up). */
export function createMediaSource(): MediaSource {
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const frames = PROBE_VIDEO_FRAMES.map((frame) => Buffer.from(frame, 'base64'));
  const videoSent: SentCounts = { kind: 'video', packets: 0, bytes: 0, frames: 0 };
  const audioSent: SentCounts = { kind: 'audio', packets: 0, bytes: 0, frames: 0 };
  const timers: NodeJS.Timeout[] = [];
  let videoSeq = 0;
  let audioSeq = 0;

  const sendVideoFrame = (): void => {
    const frame = frames[videoSent.frames % frames.length]!;
    const timestamp = (videoSent.frames * (VIDEO_CLOCK / PROBE_VIDEO_FPS)) >>> 0;
    const payloads = packetizeVp8(frame);
    payloads.forEach((payload, i) => {
      const header = new RtpHeader({
        payloadType: 96, // werift's sender rewrites it to the negotiated one
        sequenceNumber: videoSeq++ & 0xffff,
        timestamp,
        marker: i === payloads.length - 1,
      });
      video.writeRtp(new RtpPacket(header, payload));
      videoSent.packets++;
      videoSent.bytes += payload.length;
    });
    videoSent.frames++;
  };
  const sendAudioFrame = (): void => {
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: audioSeq++ & 0xffff,
      timestamp: (audioSent.packets * ((OPUS_CLOCK * OPUS_FRAME_MS) / 1000)) >>> 0,
      marker: audioSent.packets === 0,
    });
    audio.writeRtp(new RtpPacket(header, OPUS_SILENCE));
    audioSent.packets++;
    audioSent.bytes += OPUS_SILENCE.length;
    audioSent.frames++;
  };

  return {
    video,
    audio,
    sent: [videoSent, audioSent],
    start() {
      if (timers.length > 0) return;
      sendVideoFrame();
      timers.push(setInterval(sendVideoFrame, 1000 / PROBE_VIDEO_FPS));
      timers.push(setInterval(sendAudioFrame, OPUS_FRAME_MS));
    },
    stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      video.stop();
      audio.stop();
    },
  };
}

/** Counts the RTP of a remote track while `counting()` says so. */
export function countTrack(track: MediaStreamTrack, counting: () => boolean): ReceivedCounts {
  const counts: ReceivedCounts = { kind: track.kind === 'audio' ? 'audio' : 'video', packets: 0, bytes: 0, frames: 0 };
  track.onReceiveRtp.subscribe((rtp) => {
    if (!counting()) return;
    counts.packets++;
    counts.bytes += rtp.payload.length;
    if (rtp.header.marker) counts.frames++;
  });
  return counts;
}
