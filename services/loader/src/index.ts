/**
 * @cdp/loader as a library: load a dataset file (what `pnpm load` and the demo do), read a
 * catalogue file, or build the loader and its HTTP app around your own Kafka clients.
 */
export { loadDatasetFile, readCatalogueFile, formatOfFile, DEFAULT_TENANT, type LoadFileOptions } from './load-file';
export { createLoader, type Loader, type LoaderDeps, type LoadRequest, type LoadResult, type ScopeState } from './adapters/kafka-loader';
export { buildHttpApp, type HttpOptions } from './adapters/http';
export { DATASET_NAMES, isDatasetName, parseDelivery, versionOf, type DatasetName, type DatasetDefinition, type Delivery, type DeliveryContext, type Scope } from './core/dataset';
export { DATASETS } from './core/datasets';
export { DeliveryRefusedError, LoaderUsageError, formatRowError, MAX_REPORTED_ERRORS, type RowError } from './core/errors';
export { FORMATS, type Format } from './core/input';
export { parseKeys, keyHash, type KeyRegistry, type UploadKey } from './core/keys';
