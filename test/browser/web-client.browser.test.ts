/**
 * The web client in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core; nothing downloads a browser): two users register, befriend, chat
 * both ways, see each other's presence, and one makes a group with the other, removes
 * him and leaves it; a request is rejected and a reload resumes the session; one user
 * reports, blocks and unblocks another and takes messages from friends only. The page
 * is the freshly built bundle (scripts/build-web.mjs) served by a real server, talking
 * to it over its WebSocket.
 *
 * CHAT_TEST_CHROMIUM names the browser (default /usr/bin/chromium). Without it the
 * test is skipped with a line saying so, except under CI=true (.ci/run installs it),
 * where that fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ChatClient } from '../../src/client/chat-client';
import { startTestServer, type TestServer } from '../support/e2e-server';

const ROOT = resolve(__dirname, '../..');
const CHROMIUM = process.env['CHAT_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
const CI = process.env['CI'] === 'true';
/** Committed: the README shows it. */
const README_SCREENSHOT = join(ROOT, 'docs/web-client.png');
/** Not committed: what a failing or passing run looked like. */
const ARTIFACTS = join(ROOT, 'test-artifacts');
const PASSWORD = 'password123';
const WAIT_MS = 10_000;
/** Each user's window: wide enough for the sidebar beside the conversation. */
const PAGE = { width: 800, height: 540 };
const GAP = 12;
/**
 * The time the pages and the server live at, so the committed screenshot shows the same
 * clock at every run: the server's clock runs from it, the pages' Date stays near it.
 */
const SHOWN_TIME = Date.UTC(2026, 11, 4, 12, 30, 0);

jest.setTimeout(90_000);

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && !CI) {
  process.stdout.write(
    `\nweb client browser test: skipped, no Chromium at ${CHROMIUM}. Install Debian's chromium package ` +
      '(apt-get install chromium) or set CHAT_TEST_CHROMIUM to a Chromium binary; it always runs under CI=true (.ci/run).\n',
  );
}
const describeInBrowser = chromiumMissing && !CI ? describe.skip : describe;

/** One user's page, and the problems the page reported (script errors, CSP violations). */
interface UserPage {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
}

describeInBrowser('the web client in Chromium', () => {
  let webRoot: string;
  let server: TestServer;
  let browser: Browser;
  let baseUrl: string;
  const pages: UserPage[] = [];

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`CI=true but there is no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`);
    webRoot = mkdtempSync(join(tmpdir(), 'chat-web-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), '--out', webRoot, '--quiet'], { cwd: ROOT });
    const started = Date.now();
    const clock = { now: () => SHOWN_TIME + (Date.now() - started) };
    server = await startTestServer({ engine: 'in-memory', httpPort: 0, webRoot, clock });
    baseUrl = `http://127.0.0.1:${server.server.httpPort}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function openPage(name: string): Promise<UserPage> {
    const context = await browser.newContext({ viewport: { width: PAGE.width, height: PAGE.height }, locale: 'en-GB', timezoneId: 'UTC' });
    await context.clock.setFixedTime(SHOWN_TIME + 20_000);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(baseUrl);
    const user = { name, context, page, problems };
    pages.push(user);
    return user;
  }

  async function register(user: UserPage): Promise<void> {
    const { page } = user;
    await page.getByLabel('Username').fill(user.name);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText(`Signed in as ${user.name}`).waitFor();
  }

  /** The sidebar entry of a friend or a group. */
  const contact = (page: Page, list: 'friends' | 'groups', name: string) =>
    page.locator(`#${list} button.contact`).filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

  const message = (page: Page, text: string) => page.locator('#messages .message .text', { hasText: text });

  /** `from` sends a friend request through the page and `to` accepts it; then each sees the other online. */
  async function befriend(from: UserPage, to: UserPage): Promise<void> {
    await from.page.getByLabel('Add friend').fill(to.name);
    await from.page.getByRole('button', { name: 'Send request' }).click();
    await to.page.getByRole('button', { name: `Accept friend request from ${from.name}` }).click();
    await contact(to.page, 'friends', from.name).filter({ hasText: 'online' }).waitFor();
    await contact(from.page, 'friends', to.name).filter({ hasText: 'online' }).waitFor();
  }

  it('lets two users befriend, chat, see presence and share a group', async () => {
    const ann = await openPage('ann');
    const bob = await openPage('bob');
    await register(ann);
    await register(bob);

    // An error is shown from the server's reply text.
    await ann.page.getByLabel('Add friend').fill('nobody_here');
    await ann.page.getByLabel('Add friend').press('Enter');
    await ann.page.getByRole('alert').filter({ hasText: 'User not found' }).waitFor();

    // Friend request, accepted through the UI.
    await befriend(ann, bob);

    // Ann writes (Enter sends), Bob sees it arrive live and answers.
    await contact(ann.page, 'friends', 'bob').click();
    await ann.page.getByLabel('Message to bob').fill('Hi Bob! Lunch at 12:30?');
    await ann.page.getByLabel('Message to bob').press('Enter');
    await contact(bob.page, 'friends', 'ann').filter({ hasText: 'unread' }).waitFor();
    await contact(bob.page, 'friends', 'ann').click();
    await message(bob.page, 'Hi Bob! Lunch at 12:30?').waitFor();
    await bob.page.getByLabel('Message to ann').fill('Sure! The usual place?');
    await bob.page.getByRole('button', { name: 'Send', exact: true }).click();
    await message(ann.page, 'Sure! The usual place?').waitFor();
    await ann.page.getByLabel('Message to bob').fill('Yes, see you there.');
    await ann.page.getByLabel('Message to bob').press('Enter');
    await message(bob.page, 'Yes, see you there.').waitFor();

    await saveSideBySide(ann.page, bob.page);

    // Ann makes a group and adds Bob; Bob sees it and its messages.
    await ann.page.getByLabel('New group').fill('Weekend plans');
    await ann.page.getByLabel('New group').press('Enter');
    await ann.page.getByRole('heading', { name: 'Weekend plans' }).waitFor();
    await ann.page.locator('#members-summary').click();
    await ann.page.getByLabel('Add member').fill('bob');
    await ann.page.getByRole('button', { name: 'Add', exact: true }).click();
    await ann.page.locator('#members .member', { hasText: 'bob' }).waitFor();
    await contact(bob.page, 'groups', 'Weekend plans').waitFor();
    await ann.page.getByLabel('Message to Weekend plans').fill('Hiking on Saturday?');
    await ann.page.getByLabel('Message to Weekend plans').press('Enter');
    await contact(bob.page, 'groups', 'Weekend plans').click();
    await message(bob.page, 'Hiking on Saturday?').waitFor();
    // What users write is shown as text, never as markup.
    await bob.page.getByLabel('Message to Weekend plans').fill('<b>Yes</b> <img src=x onerror=alert(1)>');
    await bob.page.getByLabel('Message to Weekend plans').press('Enter');
    await message(ann.page, '<b>Yes</b> <img src=x onerror=alert(1)>').waitFor();
    expect(await ann.page.locator('#messages b, #messages img').count()).toBe(0);
    await bob.page.locator('#members-summary').click();
    await bob.page.locator('#members .member', { hasText: 'ann' }).filter({ hasText: 'admin' }).waitFor();

    // A phone-sized window stacks the sidebar above the conversation.
    await ann.page.setViewportSize({ width: 390, height: 844 });
    const sidebar = await ann.page.locator('.sidebar').boundingBox();
    const conversation = await ann.page.locator('#conversation').boundingBox();
    expect(sidebar!.y + sidebar!.height).toBeLessThanOrEqual(conversation!.y);
    expect(sidebar!.width).toBeLessThanOrEqual(390);
    await ann.page.screenshot({ path: join(ARTIFACTS, 'web-client-phone.png'), fullPage: true });

    await ann.page.setViewportSize(PAGE);

    // Ann removes Bob from the group (his page drops it), then leaves it herself.
    await ann.page.getByRole('button', { name: 'Remove bob from the group' }).click();
    await bob.page.getByText('You were removed from Weekend plans.').waitFor();
    await contact(bob.page, 'groups', 'Weekend plans').waitFor({ state: 'detached' });
    await ann.page.getByRole('button', { name: 'Leave group' }).click();
    await ann.page.getByText('You left Weekend plans.').waitFor();
    await contact(ann.page, 'groups', 'Weekend plans').waitFor({ state: 'detached' });

    // A request from a user of another client (the SDK over TCP) arrives live and is rejected.
    const carol = await ChatClient.connect({ port: server.port });
    try {
      await carol.register('carol', PASSWORD);
      await carol.login('carol', PASSWORD);
      await carol.sendFriendRequest('ann');
      await ann.page.getByRole('button', { name: 'Reject friend request from carol' }).click();
      await ann.page.getByText('Request from carol rejected.').waitFor();
      await ann.page.getByText('None waiting.').waitFor();
    } finally {
      await carol.close();
    }

    // A reload resumes the session with the token kept in localStorage, no password asked.
    expect(await ann.page.evaluate("JSON.parse(localStorage.getItem('chat.session')).username")).toBe('ann');
    await ann.page.reload();
    await ann.page.getByText('Signed in as ann').waitFor();
    await contact(ann.page, 'friends', 'bob').filter({ hasText: 'online' }).waitFor();

    // Bob logs out: Ann sees him offline, and his page forgets the session.
    await bob.page.getByRole('button', { name: 'Log out' }).click();
    await bob.page.getByRole('heading', { name: 'Log in or register' }).waitFor();
    expect(await bob.page.evaluate("localStorage.getItem('chat.session')")).toBeNull();
    await contact(ann.page, 'friends', 'bob').filter({ hasText: 'offline' }).waitFor();

    // He logs in again with his password and comes back online; closing his window takes him offline.
    await bob.page.getByLabel('Username').fill('bob');
    await bob.page.getByLabel('Password').fill(PASSWORD);
    await bob.page.getByLabel('Password').press('Enter');
    await bob.page.getByText('Signed in as bob').waitFor();
    await contact(ann.page, 'friends', 'bob').filter({ hasText: 'online' }).waitFor();
    await bob.context.close();
    await contact(ann.page, 'friends', 'bob').filter({ hasText: 'offline' }).waitFor();

    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });

  it('lets a user report, block and unblock another, and take direct messages from friends only', async () => {
    const dan = await openPage('dan');
    const eve = await openPage('eve');
    await register(dan);
    await register(eve);
    await befriend(dan, eve);
    await contact(eve.page, 'friends', 'dan').click();

    // A report, from the conversation's panel.
    await contact(dan.page, 'friends', 'eve').click();
    await dan.page.getByText('Block or report', { exact: true }).click();
    await dan.page.getByLabel('Report to the operator').fill('Sends me links to a fake shop');
    await dan.page.getByRole('button', { name: 'Send report' }).click();
    await dan.page.getByText('Report about eve sent.').waitFor();

    // A block: the friendship ends, and eve's messages to dan are refused with the server's text.
    await dan.page.getByRole('button', { name: 'Block eve' }).click();
    await dan.page.getByText('You blocked eve. Neither of you can message the other.').waitFor();
    await contact(dan.page, 'friends', 'eve').filter({ hasText: 'not a friend' }).waitFor();
    await dan.page.getByText('Privacy', { exact: true }).click();
    await dan.page.getByRole('list', { name: 'Blocked users' }).getByText('eve').waitFor();
    await eve.page.getByLabel('Message to dan').fill('Hello?');
    await eve.page.getByLabel('Message to dan').press('Enter');
    await eve.page.getByRole('alert').filter({ hasText: 'Cannot message this user' }).waitFor();

    // Unblocked from the privacy panel's list; with "friends only", eve (no friend any more) is still refused.
    await dan.page.getByRole('button', { name: 'Unblock eve' }).first().click();
    await dan.page.getByText('eve unblocked.').waitFor();
    await dan.page.getByText('Nobody blocked.').waitFor();
    await dan.page.getByLabel('friends only').check();
    await dan.page.getByText('Direct messages now only from friends.').waitFor();
    await eve.page.getByLabel('Message to dan').fill('And now?');
    await eve.page.getByLabel('Message to dan').press('Enter');
    await eve.page.getByRole('alert').filter({ hasText: 'Cannot message this user' }).waitFor();

    // From everyone again: her message arrives, and the choice is still shown after a reload.
    await dan.page.getByLabel('everyone').check();
    await dan.page.getByText('Direct messages now from everyone.').waitFor();
    await eve.page.getByLabel('Message to dan').fill('Sorry about the links.');
    await eve.page.getByLabel('Message to dan').press('Enter');
    await message(dan.page, 'Sorry about the links.').waitFor();
    await dan.page.reload();
    await dan.page.getByText('Signed in as dan').waitFor();
    expect(await dan.page.getByLabel('everyone').isChecked()).toBe(true);

    expect(dan.problems).toEqual([]);
    expect(eve.problems).toEqual([]);
  });

  /** Both pages side by side in one picture, for the README (committed) and as an artifact. */
  async function saveSideBySide(left: Page, right: Page): Promise<void> {
    const shots = await Promise.all([left.screenshot(), right.screenshot()]);
    const composer = await browser.newPage({ viewport: { width: 2 * PAGE.width + 3 * GAP, height: PAGE.height + 2 * GAP } });
    try {
      await composer.setContent(
        `<body style="margin:0;background:#b9c0cc;display:flex;gap:${GAP}px;padding:${GAP}px">` +
          shots
            .map((shot) => `<img src="data:image/png;base64,${shot.toString('base64')}" width="${PAGE.width}" height="${PAGE.height}">`)
            .join('') +
          '</body>',
      );
      const picture = await composer.screenshot();
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, 'web-client.png'), picture);
      writeFileSync(README_SCREENSHOT, picture);
    } finally {
      await composer.close();
    }
  }
});
