// The one derivation of a file's view state from its record, outbox item and live progress (pure, `now` passed in).
import { describe, expect, it } from 'vitest';
import type { FileRecord, OutboxItem } from '../../../pwa/src/data/db.ts';
import { deriveFileState } from '../../../pwa/src/state/derive-file-state.ts';

const MiB = 1024 * 1024;

function record(patch: Partial<FileRecord> = {}): FileRecord {
  return {
    id: 'f1',
    origin: 'added',
    name: 'a.pdf',
    size: 40 * MiB,
    type: 'application/pdf',
    addedAt: 1,
    status: 'queued',
    capability: 'pt1.cap',
    fileHash: 'ab',
    shards: ['s1', 's2', 's3', 'm'],
    replicas: null,
    error: null,
    public: false,
    ...patch,
  };
}

function item(patch: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id: 'f1',
    kind: 'store',
    name: 'a.pdf',
    createdAt: 1,
    shards: ['s1', 's2', 's3', 'm'],
    acked: {},
    replicas: 3,
    attempts: 0,
    lastError: null,
    stopped: false,
    ...patch,
  };
}

describe('deriveFileState', () => {
  it('says what a queued file waits for, and that it may be cancelled', () => {
    const s = deriveFileState(
      record({ waiting: 'waiting for 2 more relays to join the network' }),
      item({ attempts: 2, nextAttemptAt: 9_000 }),
      null,
      1_000,
    );
    expect(s.statusText).toBe('Saved here, waiting for 2 more relays to join the network; it will be sent on its own');
    expect(s.badge).toBe('Waiting for a relay');
    expect(s.cancellable).toBe(true);
    expect(s.canRetry).toBe(false);
    expect(s.upload).toEqual({ acked: 0, total: 4, attempts: 2, nextAttemptAt: 9_000 });
  });

  it('shows live upload progress with speed and time left', () => {
    const s = deriveFileState(
      record({ status: 'uploading' }),
      item(),
      { phase: 'uploading', done: 2, total: 4, startedAt: 0, startDone: 0 },
      2_000,
    );
    expect(s.statusText).toBe('Uploading 50% · 10 MiB/s · about 2 s left');
    expect(s.progress?.done).toBe(2);
  });

  it('takes the acknowledged pieces from the outbox when another context uploads', () => {
    const s = deriveFileState(record({ status: 'uploading' }), item({ acked: { s1: 3, s2: 3, s3: 3 } }), null, 5_000);
    expect(s.progress).toEqual({ phase: 'uploading', done: 3, total: 4, startedAt: 5_000, startDone: 3 });
    expect(s.statusText).toBe('Uploading 75%');
    // Without an outbox item there is nothing to measure.
    expect(deriveFileState(record({ status: 'uploading' }), undefined, null, 5_000).statusText).toBe('Sending…');
  });

  it('shows sealing progress as a percent of the bytes', () => {
    const s = deriveFileState(
      record({ status: 'local', capability: null }),
      undefined,
      { phase: 'sealing', done: 10 * MiB, total: 40 * MiB, startedAt: 0, startDone: 0 },
      1_000,
    );
    expect(s.statusText).toBe('Encrypting on this device… 25%');
    expect(s.badge).toBe('Preparing');
  });

  it('counts the copies of a stored file and the ones still to come', () => {
    const s = deriveFileState(record({ status: 'stored', replicas: 1, wanted: 3 }), undefined, null, 0);
    expect(s.statusText).toBe('Stored on 1 relay · 2 more copies are made as relays join');
    expect(s.badge).toBe('Stored ×1');
    expect(s.cancellable).toBe(false);
    expect(s.upload).toBeNull();
    expect(deriveFileState(record({ status: 'stored', replicas: 3, wanted: 3 }), undefined, null, 0).statusText).toBe(
      'Stored on 3 relays',
    );
    expect(deriveFileState(record({ status: 'stored' }), undefined, null, 0).badge).toBe('Stored');
    expect(deriveFileState(record({ status: 'stored', origin: 'opened' }), undefined, null, 0).statusText).toBe(
      'Opened from a link · kept on this device',
    );
  });

  it('offers Retry only where it can help', () => {
    // A failed seal: only while the bytes are still on the page.
    const sealFailed = record({ status: 'error', capability: null, error: 'this file could not be encrypted' });
    expect(deriveFileState(sealFailed, undefined, null, 0).canRetry).toBe(false);
    expect(deriveFileState(sealFailed, undefined, null, 0, { resealable: true }).canRetry).toBe(true);
    expect(deriveFileState(sealFailed, undefined, null, 0).statusText).toBe('This file could not be encrypted.');
    // A refused upload can be sent again; a refused search entry too.
    expect(deriveFileState(record({ status: 'error', error: 'x' }), item({ stopped: true }), null, 0).canRetry).toBe(
      true,
    );
    const refused = deriveFileState(record({ status: 'stored', memoryError: 'refused' }), undefined, null, 0);
    expect(refused.canRetry).toBe(true);
    expect(refused.findable).toBe('refused');
  });

  it('says whether the file is findable', () => {
    expect(deriveFileState(record(), undefined, null, 0).findable).toBeNull();
    expect(deriveFileState(record({ searchable: { text: 'a', tags: [] } }), undefined, null, 0).findable).toBe(
      'waiting',
    );
    expect(
      deriveFileState(record({ searchable: { text: 'a', tags: [] }, memoryId: 'm1' }), undefined, null, 0).findable,
    ).toBe('findable');
  });

  it('ignores an outbox item that is not the file upload', () => {
    expect(deriveFileState(record(), item({ kind: 'release' }), null, 0).upload).toBeNull();
  });
});
