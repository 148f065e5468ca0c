import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import { describeShardStoreContract } from '../../contract/shard-store-contract.ts';

describeShardStoreContract('MemoryShardStore', {
  create: async (capacity) => new MemoryShardStore(capacity),
});
