// The chat page in a real browser: two headless Chromium pages open the page
// that websocket_chat serves (broadcast mode); what one types and sends, the
// other shows. Prints one "ok NAME" or "FAIL NAME: why" line per check and
// exits 1 when any check failed.
//
//   node tests/node/browser_chat.mjs http://127.0.0.1:PORT/ SCREENSHOT.png
//
// Environment: CHROMIUM (default /usr/bin/chromium).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node browser_chat.mjs http://HOST:PORT/ SCREENSHOT.png');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 10000;
const TOTAL_MS = 90000;

let passed = 0;
let failed = 0;
let context = null;
const profile = mkdtempSync(join(tmpdir(), 'chat-profile-'));

function cleanupProfile() {
  try {
    rmSync(profile, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

const overall = setTimeout(() => {
  console.log(`FAIL browser run: did not finish within ${TOTAL_MS} ms`);
  cleanupProfile();
  process.exit(1);
}, TOTAL_MS);

async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok browser ${name}${detail ? `: ${detail}` : ''}`);
    return true;
  } catch (err) {
    failed++;
    console.log(`FAIL browser ${name}: ${String(err.message).split('\n')[0]}`);
    return false;
  }
}

// Resolves once the chat log of `page` has a line with exactly `text`.
function logLine(page, cls, text) {
  return page.waitForFunction(
    ([c, t]) =>
      Array.from(document.querySelectorAll(`#log div.${c}`)).some((d) => d.textContent === t),
    [cls, text],
    { timeout: STEP_MS },
  );
}

async function openChat(name) {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`# ${name} page error: ${err.message}`));
  const reply = await page.goto(url, { timeout: STEP_MS });
  if (!reply || reply.status() !== 200) {
    throw new Error(`GET ${url}: status ${reply ? reply.status() : 'none'}`);
  }
  await page.waitForFunction(
    () => document.getElementById('status').textContent === 'connected',
    null,
    { timeout: STEP_MS },
  );
  return page;
}

async function send(page, text) {
  await page.fill('#msg', text, { timeout: STEP_MS });
  await page.click('#send', { timeout: STEP_MS });
}

let alice = null;
let bob = null;
try {
  const launched = await check('chromium launched', async () => {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      timeout: 30000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 800, height: 600 },
    });
    return context.browser() ? context.browser().version() : executablePath;
  });
  if (launched) {
    const opened =
      (await check('first page loads the chat and connects', async () => {
        alice = await openChat('first');
        return await alice.title();
      })) &&
      (await check('second page loads the chat and connects', async () => {
        bob = await openChat('second');
      }));
    if (opened) {
      await check('first page is told the second joined', async () => {
        await logLine(alice, 'theirs', '+++ joined');
      });
      const text = `hello from the first page ${Date.now()} <b>&amp;</b> grüße`;
      await check('message typed and sent on the first page shows on the second', async () => {
        await send(alice, text);
        await logLine(bob, 'theirs', text);
      });
      await check('the sender shows its own message and clears the input', async () => {
        await logLine(alice, 'mine', `me: ${text}`);
        const left = await alice.inputValue('#msg');
        if (left !== '') throw new Error(`input still holds '${left}'`);
      });
      await check('reply from the second page shows on the first', async () => {
        await send(bob, 'and hello back');
        await logLine(alice, 'theirs', 'and hello back');
      });
      await check('the markup in the message stays text', async () => {
        const bold = await bob.locator('#log b').count();
        if (bold !== 0) throw new Error(`${bold} <b> elements in the log`);
      });
      await check(`screenshot saved to ${screenshot}`, async () => {
        await bob.screenshot({ path: screenshot, timeout: STEP_MS });
      });
      await check('first page is told the second left', async () => {
        await bob.close();
        bob = null;
        await logLine(alice, 'theirs', '--- left');
      });
    }
  }
} finally {
  if (context) {
    await Promise.race([
      context.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 10000)),
    ]);
  }
  cleanupProfile();
}

clearTimeout(overall);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
