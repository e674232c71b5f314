// A short WebSocket session to be recorded by `mgsim record` (ci/check-record.sh):
// each step waits for the server's answer before the next, as a real client
// would. Prints "ok STEP" or "FAIL STEP: why" lines and exits 1 on a failure.
//
//   node tests/node/ws_record.mjs ws://127.0.0.1:PORT/ws echo   one client,
//       text and binary messages and a ping echoed, then a clean close
//   node tests/node/ws_record.mjs ws://127.0.0.1:PORT/ws chat   two clients,
//       each one's message reaching the other, one leaving, then the other
import WebSocket from 'ws';

const [url, mode] = process.argv.slice(2);
if (!url || (mode !== 'echo' && mode !== 'chat')) {
  console.error('usage: node ws_record.mjs ws://HOST:PORT/PATH echo|chat');
  process.exit(2);
}
const STEP_MS = 5000;
let failed = 0;

setTimeout(() => {
  console.log('FAIL ws session: did not finish within 30 s');
  process.exit(1);
}, 30000).unref();

function within(promise, what) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_MS);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

// A client whose messages queue up until asked for.
function open() {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const m = { data: Buffer.from(data), isBinary };
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  ws.next = (what) =>
    within(new Promise((resolve) => {
      const m = queue.shift();
      if (m) resolve(m);
      else waiters.push(resolve);
    }), what);
  ws.closed = within(new Promise((resolve) => ws.once('close', (code) => resolve(code))),
    'the close');
  ws.closed.catch(() => {});
  return within(new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  }), 'the handshake');
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}

function expectText(m, want, what) {
  if (m.isBinary || m.data.toString() !== want) {
    throw new Error(`${what}: got ${m.isBinary ? 'binary' : 'text'} '${m.data.toString()}'`);
  }
}

if (mode === 'echo') {
  const ws = await open();
  await step('text echoed', async () => {
    ws.send('hello, recorder');
    expectText(await ws.next('the echo'), 'hello, recorder', 'echo');
  });
  await step('binary echoed (16-bit length)', async () => {
    const b = Buffer.alloc(300);
    for (let i = 0; i < b.length; i++) b[i] = i & 255;
    ws.send(b, { binary: true });
    const m = await ws.next('the binary echo');
    if (!m.isBinary || Buffer.compare(m.data, b) !== 0) throw new Error('not the same bytes');
  });
  await step('ping answered', async () => {
    const pong = within(new Promise((resolve) => ws.once('pong', (d) => resolve(d.toString()))),
      'the pong');
    ws.ping('are you there');
    if ((await pong) !== 'are you there') throw new Error('wrong pong payload');
  });
  await step('close echoed', async () => {
    ws.close(1000, 'bye');
    const code = await ws.closed;
    if (code !== 1000) throw new Error(`close code ${code}`);
  });
} else {
  const a = await open();
  const b = await open();
  await step('a told b joined', async () => {
    expectText(await a.next('the join'), '+++ joined', 'join');
  });
  await step('a to b', async () => {
    a.send('hi from a');
    expectText(await b.next("a's message"), 'hi from a', 'message');
  });
  await step('b to a', async () => {
    b.send('hi from b');
    expectText(await a.next("b's message"), 'hi from b', 'message');
  });
  await step('b leaves, a told', async () => {
    b.close(1000);
    await b.closed;
    expectText(await a.next('the leave'), '--- left', 'leave');
  });
  await step('a leaves', async () => {
    a.close(1000);
    await a.closed;
  });
}
process.exit(failed === 0 ? 0 : 1);
