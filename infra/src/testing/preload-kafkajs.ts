// Jest 30 refuses a require() made between two tests ("outside of the scope of the test code").
// kafkajs requires each protocol version's encoder the first time it is used, and a consumer
// started in beforeAll can rejoin its group between tests: the require throws inside kafkajs,
// which reports it as "Failed to find group coordinator" and the consumer or transaction fails.
// Loading every request module up front, inside each test file's module registry, leaves
// nothing for kafkajs to require later.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const fromPlumbing = createRequire(join(__dirname, '../../../libs/plumbing/package.json'));
const requests = join(dirname(fromPlumbing.resolve('kafkajs')), 'src', 'protocol', 'requests');

for (const entry of readdirSync(requests, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && entry.name.endsWith('.js')) require(join(entry.parentPath, entry.name));
}
require(join(dirname(requests), 'message', 'compression', 'gzip'));
