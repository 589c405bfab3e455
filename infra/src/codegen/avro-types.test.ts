import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generateAvroTypes } from './avro-types';

describe('generated Avro types', () => {
  it('match schemas/*.avsc (run `pnpm codegen` after changing a schema)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generateAvroTypes());
  });

  it('carry every event family', () => {
    const text = readFileSync(GENERATED_FILE, 'utf8');
    for (const name of ['interface Envelope', 'interface SegmentEvent', 'interface BeaconSighting', 'interface WifiObservation', 'interface PeopleCount', 'interface PosTransaction']) {
      expect(text).toContain(name);
    }
  });
});
