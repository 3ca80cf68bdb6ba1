// The app's own call UI on zerortc/client: the library does signaling, media and reconnection;
// this file only draws its state.
import { CallClient } from 'zerortc/client';

const $ = (id) => document.getElementById(id);
const room = $('room');
const status = $('status');

// ZeroRTC is mounted under /calls on this app's server.
const client = new CallClient({ server: `${location.origin}/calls` });

const WORDS = {
  idle: 'Not in a call.',
  joining: 'Starting camera and joining…',
  waiting: 'Waiting for the other person…',
  connecting: 'Connecting…',
  connected: 'In a call.',
  reconnecting: 'Reconnecting…',
  left: 'Call ended.',
  error: 'The call failed.',
};
client.on('state', ({ state, error }) => {
  status.dataset.state = state;
  status.textContent = error ? `${WORDS[state]} ${error.message}` : WORDS[state];
  const inCall = !['idle', 'left', 'error'].includes(state);
  $('join').disabled = inCall;
  $('leave').disabled = !inCall;
});
client.on('local-stream', (stream) => ($('local').srcObject = stream ?? null));
client.on('remote-stream', (stream) => ($('remote').srcObject = stream ?? null));

room.value = new URLSearchParams(location.search).get('room') ?? '';

$('newRoom').addEventListener('click', async () => {
  const answer = await fetch('/api/new-room');
  room.value = (await answer.json()).room;
});
$('joinForm').addEventListener('submit', (event) => {
  event.preventDefault();
  const link = `${location.origin}${location.pathname}?room=${encodeURIComponent(room.value)}`;
  $('link').href = link;
  $('link').textContent = link;
  $('share').hidden = false;
  client.join(room.value).catch(() => {}); // failures arrive as the `error` state, in words
});
$('leave').addEventListener('click', () => client.leave());
