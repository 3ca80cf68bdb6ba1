// A page of your own on zerortc/client, bundled by Vite. The ZeroRTC server is this page's
// origin (a reverse proxy, or `npm run dev`'s proxy), or the one named by ?server=.
import { CallClient } from 'zerortc/client';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const client = new CallClient({ server: params.get('server') ?? location.origin });

client.on('state', ({ state, error }) => {
  $('status').dataset.state = state;
  $('status').textContent = error ? `${state}: ${error.message}` : state;
  $('leave').disabled = ['idle', 'left', 'error'].includes(state);
});
client.on('local-stream', (stream) => ($('local').srcObject = stream ?? null));
client.on('remote-stream', (stream) => ($('remote').srcObject = stream ?? null));

$('room').value = params.get('room') ?? '';
$('joinForm').addEventListener('submit', (event) => {
  event.preventDefault();
  client.join($('room').value).catch(() => {}); // failures arrive as the `error` state
});
$('leave').addEventListener('click', () => client.leave());
