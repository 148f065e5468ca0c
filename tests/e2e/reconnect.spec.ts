// The connection indicator follows a relay that goes away and comes back, through the signed WebSocket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { startRelay } from './support/relay.ts';

test('goes offline when its relay stops and back online when it restarts', async ({ page }) => {
  test.setTimeout(60_000);
  // A relay of its own (same data folder across the restart, so the same id), not the shared one.
  const dataDir = mkdtempSync(join(tmpdir(), 'peertree-e2e-reconnect-'));
  let relay = await startRelay({ dataDir });
  try {
    await page.goto(relay.url);
    const connection = page.getByTestId('connection');
    await expect(connection).toHaveAttribute('data-state', 'online');
    // The relay proved its key over /ws and accepted ours: the signed handshake, not just HTTP.
    await expect(connection).toHaveAttribute('data-socket', 'ready');
    await expect(connection).toHaveAttribute('data-relay-id', relay.id);

    await relay.stop();
    await expect(connection).toHaveAttribute('data-state', 'offline', { timeout: 15_000 });

    relay = await startRelay({ dataDir, port: relay.port });
    // Bounded backoff: the next probe or socket retry comes within the first steps of the backoff.
    await expect(connection).toHaveAttribute('data-state', 'online', { timeout: 20_000 });
    await expect(connection).toHaveAttribute('data-socket', 'ready', { timeout: 20_000 });
    await expect(connection).toHaveAttribute('data-relay-id', relay.id);
  } finally {
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
