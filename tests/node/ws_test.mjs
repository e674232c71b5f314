// WebSocket interoperability: the npm `ws` client against websocket_chat in
// echo mode. Prints one "ok NAME" or "FAIL NAME: why" line per check and
// exits 1 when any check failed.
//
//   node tests/node/ws_test.mjs ws://127.0.0.1:PORT/ws
//
// Every wait is bounded (STEP_MS per check, TOTAL_MS for the whole run).
import { createHash } from 'node:crypto';
import WebSocket from 'ws';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ws_test.mjs ws://HOST:PORT/PATH');
  process.exit(2);
}
const STEP_MS = 5000;
const TOTAL_MS = 60000;

let passed = 0;
let failed = 0;

const overall = setTimeout(() => {
  console.log(`FAIL ws run: did not finish within ${TOTAL_MS} ms`);
  process.exit(1);
}, TOTAL_MS);

function withTimeout(promise, what) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_MS);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function open() {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const state = { messages: [], waiters: [], closed: null, closeWaiters: [] };
  ws.on('message', (data, isBinary) => {
    const m = { data: Buffer.from(data), isBinary };
    const w = state.waiters.shift();
    if (w) w(m);
    else state.messages.push(m);
  });
  ws.on('close', (code, reason) => {
    state.closed = { code, reason: reason.toString() };
    for (const w of state.closeWaiters) w(state.closed);
    state.closeWaiters = [];
  });
  ws.on('error', (err) => {
    state.error = err;
  });
  ws.nextMessage = () =>
    withTimeout(
      new Promise((resolve) => {
        const m = state.messages.shift();
        if (m) resolve(m);
        else state.waiters.push(resolve);
      }),
      'a message',
    );
  ws.closed = () =>
    withTimeout(
      new Promise((resolve) => {
        if (state.closed) resolve(state.closed);
        else state.closeWaiters.push(resolve);
      }),
      'the close',
    );
  ws.state = state;
  return withTimeout(
    new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    'the handshake',
  );
}

function sha(buf) {
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

function pattern(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function expectEqual(got, want, what) {
  if (Buffer.compare(got, want) !== 0) {
    throw new Error(
      `${what}: got ${got.length} bytes (sha ${sha(got)}), want ${want.length} bytes (sha ${sha(want)})`,
    );
  }
}

async function check(name, fn) {
  let ws = null;
  try {
    ws = await open();
    await fn(ws);
    passed++;
    console.log(`ok ws ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ws ${name}: ${err.message}`);
  } finally {
    if (ws) ws.terminate();
  }
}

async function echoes(ws, payload, binary, what) {
  ws.send(payload, { binary });
  const m = await ws.nextMessage();
  if (m.isBinary !== binary) {
    throw new Error(`${what}: came back as ${m.isBinary ? 'binary' : 'text'}`);
  }
  expectEqual(m.data, Buffer.from(payload), what);
}

await check('text message echoed', async (ws) => {
  await echoes(ws, 'hello, world', false, 'ascii text');
  await echoes(ws, 'grüße 😀 κόσμε', false, 'multi-byte UTF-8 text');
  await echoes(ws, '', false, 'empty text');
});

await check('binary message echoed', async (ws) => {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  await echoes(ws, all, true, 'bytes 0..255');
  await echoes(ws, Buffer.alloc(0), true, 'empty binary');
});

await check('fragmented text message echoed reassembled', async (ws) => {
  ws.send('frag-one ', { fin: false });
  ws.send('frag-two ', { fin: false });
  ws.send('frag-three', { fin: true });
  const m = await ws.nextMessage();
  if (m.isBinary) throw new Error('came back as binary');
  expectEqual(m.data, Buffer.from('frag-one frag-two frag-three'), 'reassembled text');
});

await check('fragmented binary message with a ping between fragments', async (ws) => {
  const parts = [pattern(1000, 1), pattern(70000, 2), pattern(3, 3)];
  const pong = withTimeout(
    new Promise((resolve) => ws.once('pong', (d) => resolve(Buffer.from(d)))),
    'the pong',
  );
  ws.send(parts[0], { binary: true, fin: false });
  ws.ping(Buffer.from('mid'));
  ws.send(parts[1], { binary: true, fin: false });
  ws.send(parts[2], { binary: true, fin: true });
  expectEqual(await pong, Buffer.from('mid'), 'pong payload');
  const m = await ws.nextMessage();
  if (!m.isBinary) throw new Error('came back as text');
  expectEqual(m.data, Buffer.concat(parts), 'reassembled binary');
});

await check('ping answered by pong with the same payload', async (ws) => {
  const payload = Buffer.from('ping-payload-\u00ff');
  const pong = withTimeout(
    new Promise((resolve) => ws.once('pong', (d) => resolve(Buffer.from(d)))),
    'the pong',
  );
  ws.ping(payload);
  expectEqual(await pong, payload, 'pong payload');
  const empty = withTimeout(
    new Promise((resolve) => ws.once('pong', (d) => resolve(Buffer.from(d)))),
    'the empty pong',
  );
  ws.ping();
  expectEqual(await empty, Buffer.alloc(0), 'empty pong payload');
});

for (const n of [125, 126, 65535, 65536]) {
  await check(`${n}-byte binary message echoed`, async (ws) => {
    await echoes(ws, pattern(n, n), true, `${n} bytes`);
  });
}

await check('65536-byte text message echoed', async (ws) => {
  await echoes(ws, 'x'.repeat(65536), false, '65536 text bytes');
});

await check('1 MiB binary message echoed', async (ws) => {
  await echoes(ws, pattern(1 << 20, 7), true, '1 MiB');
});

// Messages past recv_mbuf_limit (4 MiB) and up to max_ws_message (16 MiB)
// arrive whole, in one frame or in fragments; one byte more is 1009.
function sendFragments(ws, payload, fragSize, binary) {
  for (let off = 0; off < payload.length; off += fragSize) {
    const end = Math.min(off + fragSize, payload.length);
    ws.send(payload.subarray(off, end), { binary, fin: end === payload.length });
  }
}

function utf8Text(n) {
  // 1-, 2-, 3- and 4-byte characters (10 bytes a cycle), padded with ASCII.
  const cycle = Buffer.from('aé€😀');
  const b = Buffer.alloc(n, 'z');
  for (let i = 0; i + cycle.length <= n; i += cycle.length) cycle.copy(b, i);
  return b;
}

const MIB = 1 << 20;
for (const [name, payload, frag, binary] of [
  ['4 MiB binary message in one frame', pattern(4 * MIB, 11), 0, true],
  ['4 MiB text message in 64-byte fragments', utf8Text(4 * MIB), 64, false],
  ['8 MiB text message in one frame', utf8Text(8 * MIB), 0, false],
  ['8 MiB binary message in 1 MiB fragments', pattern(8 * MIB, 12), MIB, true],
  ['16 MiB (max_ws_message) binary message in one frame', pattern(16 * MIB, 13), 0, true],
  ['16 MiB text message in 4 MiB fragments', utf8Text(16 * MIB), 4 * MIB, false],
  ['16 MiB binary message in 4 KiB fragments', pattern(16 * MIB, 14), 4096, true],
]) {
  await check(`${name} echoed whole`, async (ws) => {
    if (frag === 0) ws.send(payload, { binary });
    else sendFragments(ws, payload, frag, binary);
    const m = await ws.nextMessage();
    if (m.isBinary !== binary) throw new Error(`came back as ${m.isBinary ? 'binary' : 'text'}`);
    expectEqual(m.data, payload, name);
  });
}

// One byte over max_ws_message: in fragments, the last one (1 byte) is
// refused; in one frame, its header is, and the server lingers while the
// first 256 KiB of that frame still come (the rest never does).
await check('16 MiB + 1 byte message in 4 MiB fragments closes with 1009', async (ws) => {
  sendFragments(ws, pattern(16 * MIB + 1, 15), 4 * MIB, true);
  const c = await ws.closed();
  if (c.code !== 1009) throw new Error(`close code ${c.code}, want 1009`);
  if (ws.state.messages.length !== 0) throw new Error('a message was delivered');
});

await check('frame announcing 16 MiB + 1 bytes closes with 1009', async (ws) => {
  const hdr = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0x01, 1, 2, 3, 4]);
  ws._socket.write(Buffer.concat([hdr, pattern(256 * 1024, 16)]));
  const c = await ws.closed();
  if (c.code !== 1009) throw new Error(`close code ${c.code}, want 1009`);
});

for (const code of [1000, 4001]) {
  await check(`close ${code} echoed back`, async (ws) => {
    ws.close(code, 'done');
    const c = await ws.closed();
    if (c.code !== code) throw new Error(`close code ${c.code}, want ${code}`);
  });
}

// A text frame holding invalid UTF-8. ws validates what it receives but not
// what it sends, so a Buffer sent with {binary: false} goes out as a TEXT
// frame with exactly these bytes.
for (const [name, bytes] of [
  ['invalid UTF-8', Buffer.from([0x68, 0x69, 0xff, 0xfe])],
  ['overlong UTF-8', Buffer.from([0xc0, 0xae])],
  ['UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80])],
]) {
  await check(`${name} in a text frame closes with 1007`, async (ws) => {
    ws.send(bytes, { binary: false });
    const c = await ws.closed();
    if (c.code !== 1007) throw new Error(`close code ${c.code}, want 1007`);
  });
}

// Invalid UTF-8 fails as it arrives: a 1000-byte text frame whose first
// 100 bytes are valid and whose next write holds ff closes with 1007 at
// once, although the rest of the frame is never sent.
await check('invalid UTF-8 midway through an unfinished text frame closes with 1007', async (ws) => {
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = (bytes, offset) => {
    const b = Buffer.from(bytes);
    for (let i = 0; i < b.length; i++) b[i] ^= key[(offset + i) % 4];
    return b;
  };
  ws._socket.write(Buffer.concat([Buffer.from([0x81, 0xfe, 0x03, 0xe8]), key,
    masked(Buffer.alloc(100, 'a'), 0)]));
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (ws.state.closed) throw new Error(`closed (${ws.state.closed.code}) before the bad byte`);
  ws._socket.write(masked(Buffer.from([0x62, 0xff]), 100));
  const c = await ws.closed();
  if (c.code !== 1007) throw new Error(`close code ${c.code}, want 1007`);
});

await check('UTF-8 sequence split across fragments accepted', async (ws) => {
  const text = Buffer.from('a😀b');
  ws.send(text.subarray(0, 3), { binary: false, fin: false });
  ws.send(text.subarray(3), { binary: false, fin: true });
  const m = await ws.nextMessage();
  if (m.isBinary) throw new Error('came back as binary');
  expectEqual(m.data, text, 'reassembled text');
});

// Protocol errors, written as raw masked frames on ws's socket (ws itself
// never sends them): the server answers each with CLOSE 1002.
function rawFrame(b0, payload, masked = true) {
  const p = Buffer.from(payload);
  const hdr = p.length < 126
    ? Buffer.from([b0, (masked ? 0x80 : 0) | p.length])
    : Buffer.from([b0, (masked ? 0x80 : 0) | 126, p.length >> 8, p.length & 255]);
  if (!masked) return Buffer.concat([hdr, p]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  for (let i = 0; i < p.length; i++) p[i] ^= key[i % 4];
  return Buffer.concat([hdr, key, p]);
}

for (const [name, bytes, want] of [
  ['unmasked frame', rawFrame(0x81, 'hi', false), 1002],
  ['RSV1 bit without an extension', rawFrame(0xc1, 'hi'), 1002],
  ['reserved opcode 0x3', rawFrame(0x83, 'x'), 1002],
  ['CONTINUATION without a start', rawFrame(0x80, 'x'), 1002],
  ['126-byte PING', rawFrame(0x89, Buffer.alloc(126)), 1002],
  ['fragmented PING', rawFrame(0x09, 'x'), 1002],
  ['new TEXT in the middle of a message',
    Buffer.concat([rawFrame(0x01, 'a'), rawFrame(0x81, 'b')]), 1002],
  ['CLOSE with code 1005', rawFrame(0x88, Buffer.from([0x03, 0xed])), 1002],
  ...[999, 1004, 1006, 1015, 1016, 2999, 5000].map((code) =>
    [`CLOSE with code ${code}`, rawFrame(0x88, Buffer.from([code >> 8, code & 255])), 1002]),
  ...[1012, 3000, 4999].map((code) =>
    [`CLOSE with code ${code}`, rawFrame(0x88, Buffer.from([code >> 8, code & 255])), code]),
  ['CLOSE with a 1-byte body', rawFrame(0x88, Buffer.from([0x03])), 1002],
  ['CLOSE with an invalid UTF-8 reason', rawFrame(0x88, Buffer.from([0x03, 0xe8, 0xff])), 1007],
  ['empty CLOSE', rawFrame(0x88, Buffer.alloc(0)), 1005],
]) {
  const what = want === 1005 ? 'echoed empty (1005)'
    : want >= 3000 || want === 1012 ? 'echoed' : `closes with ${want}`;
  await check(`${name} ${what}`, async (ws) => {
    ws._socket.write(bytes);
    const c = await ws.closed();
    if (c.code !== want) throw new Error(`close code ${c.code}, want ${want}`);
  });
}

clearTimeout(overall);
console.log(`ws: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
