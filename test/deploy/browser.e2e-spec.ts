import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStrategyName } from 'nestjs-distributed-session';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { RedisServer } from '../support/redis-server.js';
import { ClusterDemo } from './support/cluster-demo.js';

// The demo page in Debian's Chromium, against the local cluster demo (`npm start`): a person
// logs in, clicks "Increment", sees several nodes answer one continuous counter, logs out.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** The strategies that share a session; one not in this version yet is the only case left out. */
const SHARED: readonly SessionStrategyName[] = ['replicated', 'redis', 'cookie'];

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();

describe('the demo page in a real browser', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'browser-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe.each(SHARED)('%s', (strategy) => {
    let redis: RedisServer | undefined;
    let demo: ClusterDemo | undefined;
    let context: BrowserContext | undefined;

    beforeAll(async () => {
      if (strategy === 'redis') redis = await RedisServer.start();
      demo = await ClusterDemo.start(strategy, {
        env: redis ? { REDIS_URL: redis.url } : {},
      });
      // A fresh profile for each strategy: no cookie from another case.
      context = await chromium.launchPersistentContext(join(dir, `profile-${strategy}`), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      });
    }, 120_000);
    afterAll(async () => {
      await context?.close();
      await demo?.stop();
      await redis?.destroy();
    }, 60_000);

    it('logs in, increments one counter across several nodes, logs out', async () => {
      const page = await context!.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(demo!.url);
      expect(await text(page, 'strategy')).toBe(strategy);
      expect(await text(page, 'user')).toBe('anonymous');
      expect(await text(page, 'counter')).toBe('0');

      await page.locator('#username').fill('alice');
      await page.locator('#login button[type=submit]').click();
      await page.locator('#user', { hasText: 'alice' }).waitFor();

      const nodes: string[] = [];
      for (let i = 1; i <= 6; i++) {
        await page.locator('#increment').click();
        // The counter the page shows goes on by one, whichever node answered.
        await page.locator('#counter', { hasText: new RegExp(`^${i}$`) }).waitFor();
        nodes.push(await text(page, 'node'));
      }
      expect(new Set(nodes).size).toBeGreaterThanOrEqual(2);
      const answers = await text(page, 'answers');
      for (const node of new Set(nodes)) expect(answers).toContain(`increment -> ${node}`);
      expect(answers).toContain('(counter 6)');
      expect(await text(page, 'error')).toBe('');

      await page.locator('#logout').click();
      await page.locator('#user', { hasText: 'anonymous' }).waitFor();
      expect(await text(page, 'counter')).toBe('0');
      expect(await text(page, 'answers')).toMatch(/logout -> node-\d/);

      const screenshot = join(dir, `${strategy}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(existsSync(screenshot) && statSync(screenshot).size > 1000).toBe(true);
      const body = await page.locator('body').innerText();
      expect(body).toContain('One session, many nodes');
      expect(body).toContain('Last answers');
      await page.close();
    }, 60_000);
  });
});
