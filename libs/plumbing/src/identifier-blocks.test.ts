import type { CdpIdentity } from './generated/avro-types';
import { IdentifierBlockList } from './identifier-blocks';

const block = (value: string, state: CdpIdentity.IdentifierBlockState, tenant = 'demo'): CdpIdentity.IdentifierBlock => ({
  tenant, identifier: { type: 'email_hash', value }, state, reason: 'family e-mail', requestedBy: 'cli:test', requestedAt: 1, updatedAt: 2, personBefore: null, personsAfter: [], detail: null,
});

describe('IdentifierBlockList', () => {
  it('blocks a value from the request until it is undone', () => {
    const list = new IdentifierBlockList();
    const family = { type: 'email_hash', value: 'family' };
    list.set(block('family', 'BLOCK_REQUESTED'));
    expect(list.isBlocked('demo', family)).toBe(true);
    expect(list.isBlocked('other', family)).toBe(false);
    list.set(block('family', 'BLOCKED'));
    expect(list.size).toBe(1);
    list.set(block('family', 'UNBLOCK_REQUESTED'));
    expect(list.isBlocked('demo', family)).toBe(false);
    expect(list.size).toBe(0);
    expect(list.list('demo').map((b) => b.state)).toEqual(['UNBLOCK_REQUESTED']);
  });

  it('leaves blocked values out of a link and returns the same array when none is blocked', () => {
    const list = new IdentifierBlockList();
    const ids = [{ type: 'user_id', value: 'u1' }, { type: 'email_hash', value: 'family' }];
    expect(list.withoutBlocked('demo', ids)).toBe(ids);
    list.set(block('family', 'BLOCKED'));
    expect(list.withoutBlocked('demo', ids)).toEqual([{ type: 'user_id', value: 'u1' }]);
    list.removeKey('demo|email_hash|family');
    expect(list.withoutBlocked('demo', ids)).toBe(ids);
    expect(list.size).toBe(0);
  });
});
