/** Every dataset the loader knows, by the name used on the command line and in upload URLs. */
import { catalogue } from './catalogue';
import type { DatasetDefinition, DatasetName } from './dataset';
import { demographics } from './demographics';
import { segments } from './segments';
import { stores } from './stores';

export const DATASETS: Readonly<Record<DatasetName, DatasetDefinition>> = Object.freeze({
  catalogue: catalogue as DatasetDefinition,
  stores: stores as DatasetDefinition,
  segments: segments as DatasetDefinition,
  demographics: demographics as DatasetDefinition,
});
