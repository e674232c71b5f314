// WebSocket peers for ci/check-compat.sh (the Mongoose-6-style programs in
// tests/compat). Each mode prints "ok NAME" / "FAIL NAME: why" lines, or
// for the server mode a log of what it saw; every wait is bounded.
//
//   node compat_peer.mjs server PORT
//       a chat-like server for ws_chat_client and ws_refused_client: each
//       text message M is answered with "echo: M"; "/quit" is answered with
//       a close (1000, "bye"); /forbidden is refused with a 403.
//   node compat_peer.mjs echo-test URL
//       checks websocket_echo_server: text, binary, ping, close.
//   node compat_peer.mjs chat-test URL FIFO
//       checks broadcast_chat: two clients, a message from one reaches the
//       other, and a line written to FIFO (the server's stdin) reaches both.
import { writeFileSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';

const STEP_MS = 5000;
const [mode, arg1, arg2] = process.argv.slice(2);
let failures = 0;

function ok(name) {
  console.log(`ok ${name}`);
}
function fail(name, why) {
  failures++;
  console.log(`FAIL ${name}: ${why}`);
}

function bounded(promise, what) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_MS);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

// A client whose incoming messages queue up until asked for.
function client(url, protocols) {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const m = { data: Buffer.from(data), isBinary };
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  ws.on('error', () => {});
  ws.next = (what) =>
    bounded(
      new Promise((resolve) => {
        const m = queue.shift();
        if (m) resolve(m);
        else waiters.push(resolve);
      }),
      what,
    );
  ws.opened = () =>
    bounded(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      }),
      'the handshake',
    );
  ws.closed = () =>
    bounded(
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) resolve({ code: -1 });
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      }),
      'the close',
    );
  return ws;
}

async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    fail(name, e.message);
  }
}

function expectText(name, m, want) {
  if (m.isBinary || m.data.toString() !== want) {
    fail(name, `got ${m.isBinary ? 'binary' : 'text'} ${JSON.stringify(m.data.toString())}, want ${JSON.stringify(want)}`);
  } else {
    ok(name);
  }
}

async function server(port) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: Number(port),
    perMessageDeflate: false,
    verifyClient: (info, cb) => {
      if (info.req.url === '/forbidden') cb(false, 403, 'Forbidden');
      else cb(true);
    },
  });
  wss.on('listening', () => console.log(`listening on ${port}`));
  wss.on('connection', (ws, req) => {
    console.log(`connection ${req.url} protocol=${ws.protocol || '(none)'}`);
    ws.on('message', (data) => {
      const text = data.toString();
      console.log(`message ${text}`);
      if (text === '/quit') ws.close(1000, 'bye');
      else ws.send(`echo: ${text}`);
    });
    ws.on('close', (code) => console.log(`closed ${code}`));
  });
  const stop = () => wss.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function echoTest(url) {
  const ws = client(url);
  await step('ws echo: handshake', async () => {
    await ws.opened();
    ok('ws echo: handshake');
  });
  if (ws.readyState !== WebSocket.OPEN) return;
  await step('ws echo: text', async () => {
    ws.send('hello, compat');
    expectText('ws echo: text', await ws.next('the text echo'), 'hello, compat');
  });
  await step('ws echo: binary', async () => {
    const bin = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    ws.send(bin);
    const m = await ws.next('the binary echo');
    if (m.isBinary && m.data.equals(bin)) ok('ws echo: binary');
    else fail('ws echo: binary', `got ${m.isBinary ? 'binary' : 'text'} ${m.data.toString('hex')}`);
  });
  await step('ws echo: 70000-byte text', async () => {
    const big = 'x'.repeat(70000);
    ws.send(big);
    expectText('ws echo: 70000-byte text', await ws.next('the large echo'), big);
  });
  await step('ws echo: ping', async () => {
    const pong = bounded(new Promise((resolve) => ws.once('pong', resolve)), 'the pong');
    ws.ping('p-123');
    const data = await pong;
    if (data.toString() === 'p-123') ok('ws echo: ping answered with pong "p-123"');
    else fail('ws echo: ping', `pong payload ${JSON.stringify(data.toString())}`);
  });
  await step('ws echo: close', async () => {
    const closed = ws.closed();
    ws.close(1000, 'done');
    const c = await closed;
    if (c.code === 1000) ok('ws echo: close 1000 answered with 1000');
    else fail('ws echo: close', `code ${c.code}`);
  });
  const other = client(url.replace(/\/echo$/, '/other'));
  await step('ws echo: upgrade outside /echo refused', async () => {
    try {
      await other.opened();
      fail('ws echo: upgrade outside /echo refused', 'it was accepted');
      other.terminate();
    } catch (e) {
      if (e.message === 'HTTP 403') ok('ws echo: upgrade outside /echo refused with 403');
      else fail('ws echo: upgrade outside /echo refused', e.message);
    }
  });
}

async function chatTest(url, fifo) {
  const a = client(url);
  const b = client(url);
  await step('chat: both clients join and get "welcome"', async () => {
    await a.opened();
    await b.opened();
    const wa = await a.next('the welcome');
    const wb = await b.next('the welcome');
    if (wa.data.toString() === 'welcome' && wb.data.toString() === 'welcome') {
      ok('chat: both clients join and get "welcome"');
    } else {
      fail('chat: welcome', `${wa.data} / ${wb.data}`);
    }
  });
  await step('chat: A to B', async () => {
    a.send('hi from A');
    expectText('chat: a message from A reaches B', await b.next('A\'s message'), 'hi from A');
  });
  await step('chat: stdin line to all', async () => {
    writeFileSync(fifo, 'hello everyone\n', { flag: 'a' });
    expectText('chat: stdin line reaches A', await a.next('the operator line'), '[operator] hello everyone');
    expectText('chat: stdin line reaches B', await b.next('the operator line'), '[operator] hello everyone');
  });
  await step('chat: sender does not get its own message', async () => {
    b.send('from B');
    expectText('chat: B\'s message reaches A', await a.next('B\'s message'), 'from B');
    a.send('marker');
    expectText('chat: B gets the next message, not its own', await b.next('A\'s marker'), 'marker');
  });
  a.close();
  b.close();
}

const overall = setTimeout(() => {
  console.log(`FAIL ${mode}: did not finish within 30 s`);
  process.exit(1);
}, 30000);

if (mode === 'server') {
  clearTimeout(overall);
  await server(arg1);
} else if (mode === 'echo-test') {
  await echoTest(arg1);
  clearTimeout(overall);
  process.exit(failures ? 1 : 0);
} else if (mode === 'chat-test') {
  await chatTest(arg1, arg2);
  clearTimeout(overall);
  process.exit(failures ? 1 : 0);
} else {
  console.error('usage: node compat_peer.mjs server PORT | echo-test URL | chat-test URL FIFO');
  process.exit(2);
}
