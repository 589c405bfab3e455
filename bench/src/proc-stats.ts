/**
 * CPU time and memory of processes from Linux's /proc, for a benchmark's measured window: CPU
 * seconds (utime + stime) of each watched process at the start and the end, its peak RSS from
 * VmRSS sampled meanwhile (or VmHWM for a process the benchmark started), the whole machine's
 * busy time from /proc/stat, and what the other processes on the machine used meanwhile.
 *
 * The parsers are pure (unit-tested); `ProcessWatch` reads the files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// ---------------------------------------------------------------- parsers (pure)

/** The fields of /proc/<pid>/stat a benchmark needs; times in clock ticks (USER_HZ). */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  utime: number;
  stime: number;
  /** CPU of children the process has waited for (exited and reaped). */
  cutime: number;
  cstime: number;
  /** Ticks after boot the process started: with the pid, tells a recycled pid apart. */
  starttime: number;
  /** Resident pages. */
  rssPages: number;
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may hold spaces and
 * parentheses itself, so fields are counted after its last closing parenthesis.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state) of proc(5); field N is rest[N - 3].
  const field = (n: number) => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/<pid>/stat field ${n} is not a number: ${rest[n - 3]}`);
    return v;
  };
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
    rssPages: field(24),
  };
}

/** VmRSS and VmHWM (peak resident set) from /proc/<pid>/status, in kB; NaN when absent (a zombie, a kernel thread). */
export function parseProcStatus(text: string): { vmRssKb: number; vmHwmKb: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { vmRssKb: kb('VmRSS'), vmHwmKb: kb('VmHWM') };
}

/** The machine's CPU time from the first line of /proc/stat, in clock ticks, all cores together. */
export interface MachineCpu {
  /** user + nice + system + irq + softirq (guest time is already inside user and nice). */
  busy: number;
  /** idle + iowait. */
  idle: number;
  /** Time the hypervisor gave to somebody else while this machine wanted to run. */
  steal: number;
  total: number;
}

export function parseMachineCpu(procStat: string): MachineCpu {
  const line = procStat.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('no aggregate "cpu" line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, idle: idle + iowait, steal, total: busy + idle + iowait + steal };
}

/** Every pid in the tree under `root` (root included), from a snapshot of the process table. */
export function treeOf(root: number, table: readonly Pick<ProcStat, 'pid' | 'ppid'>[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const tree = new Set<number>([root]);
  for (const pid of tree) for (const child of children.get(pid) ?? []) tree.add(child);
  return tree;
}

/** CPU ticks a process counts for: its own, plus its reaped children's when `withChildren`. */
export const ticksOf = (s: ProcStat, withChildren: boolean) => s.utime + s.stime + (withChildren ? s.cutime + s.cstime : 0);

/** Microseconds of CPU per event; NaN when no event. */
export const microsPerEvent = (cpuSeconds: number, events: number) => (events > 0 ? (cpuSeconds * 1e6) / events : NaN);

// ---------------------------------------------------------------- reading /proc

let clockTicks: number | undefined;
/** USER_HZ (the unit of /proc times): getconf CLK_TCK, else 100, Linux's value on every common platform. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const v = Number(out.stdout?.trim());
    clockTicks = out.status === 0 && Number.isInteger(v) && v > 0 ? v : 100;
  }
  return clockTicks;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readProcStatus(pid: number): { vmRssKb: number; vmHwmKb: number } | undefined {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process now running (those that end while being read are left out). */
export function readProcessTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readProcStat(Number(entry));
    if (s) table.push(s);
  }
  return table;
}

export function readMachineCpu(): MachineCpu {
  return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
}

function commandOf(pid: number, fallback: string): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // The program and the first argument that names what it runs, short.
    const shown = argv.slice(0, 6).map((a) => (a.length > 60 ? `...${a.slice(-40)}` : a)).join(' ');
    return shown || fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------- the watch

export interface WatchTarget {
  /** How the report names it: "ingest", "identity:2", "kafka", "load generator". */
  name: string;
  pid: number;
  /**
   * tree: the process and everything under it (a server that may fork); self: the process alone
   * (the load generator, whose children are the services measured on their own lines).
   */
  scope: 'tree' | 'self';
  /** Started for this benchmark: its VmHWM (peak since start) is its peak RSS. */
  startedForBench: boolean;
  /** Which kind of process it is, for totals: service, stack, load. */
  role: 'service' | 'stack' | 'load';
}

export interface ProcessUsage {
  name: string;
  role: WatchTarget['role'];
  pid: number;
  cpuSeconds: number;
  /** Highest VmRSS sampled in the window (the tree's sum for a tree), MB. */
  rssPeakSampledMb: number;
  /** VmHWM read at the end for a process started for the benchmark, MB; else null. */
  rssHwmMb: number | null;
  /** The figure to print: VmHWM where it means this run, else the sampled peak. */
  rssPeakMb: number;
  /** Ended (or its pid was reused) before the window closed: CPU up to its last sample. */
  exited: boolean;
}

export interface WindowUsage {
  seconds: number;
  cores: number;
  processes: ProcessUsage[];
  /** The whole machine's busy CPU seconds (all cores together) and the stolen ones. */
  machineBusySeconds: number;
  machineStealSeconds: number;
  /** Busy seconds not in any watched process: other work on the machine, and the kernel's. */
  otherSeconds: number;
  /** The busiest processes outside the watch (those running at both ends of the window). */
  topOthers: { pid: number; command: string; cpuSeconds: number }[];
}

interface TargetState {
  target: WatchTarget;
  /** The root's start time: a pid reused by another process is not this one. */
  starttime: number;
  /** CPU ticks at the window's start and at the last sample (the end, unless it exited). */
  startTicks: number;
  lastTicks: number;
  peakRssKb: number;
  exited: boolean;
}

const KB_PER_MB = 1024;

/**
 * Watches processes over a window: start() takes the baseline and samples every intervalMs,
 * stop() reads the end and returns the usage. Reading /proc takes well under a millisecond a
 * process, so sampling every second costs the load generator next to nothing.
 */
export class ProcessWatch {
  private states: TargetState[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private machineStart: MachineCpu | undefined;
  private othersStart = new Map<number, { starttime: number; ticks: number; comm: string }>();
  private readonly ticksPerSecond = clockTicksPerSecond();

  constructor(
    private readonly targets: readonly WatchTarget[],
    private readonly intervalMs = 1000,
  ) {}

  /** CPU ticks of a target now (undefined once it has ended or its pid was reused), and its RSS in kB. */
  private read(state: TargetState, table?: ProcStat[]): { ticks: number; rssKb: number } | undefined {
    const { target } = state;
    const root = readProcStat(target.pid);
    if (!root || root.starttime !== state.starttime || root.state === 'Z') return undefined;
    if (target.scope === 'self') return { ticks: ticksOf(root, false), rssKb: readProcStatus(target.pid)?.vmRssKb ?? 0 };
    const all = table ?? readProcessTable();
    const byPid = new Map(all.map((p) => [p.pid, p]));
    let ticks = 0;
    let rssKb = 0;
    for (const pid of treeOf(target.pid, all)) {
      const s = pid === target.pid ? root : byPid.get(pid);
      if (!s) continue;
      ticks += ticksOf(s, true);
      rssKb += readProcStatus(pid)?.vmRssKb || 0;
    }
    return { ticks, rssKb };
  }

  start(): void {
    const table = readProcessTable();
    this.started = Date.now();
    this.machineStart = readMachineCpu();
    this.states = this.targets.map((target) => {
      const root = table.find((p) => p.pid === target.pid) ?? readProcStat(target.pid);
      const state: TargetState = { target, starttime: root?.starttime ?? -1, startTicks: 0, lastTicks: 0, peakRssKb: 0, exited: !root };
      const now = root ? this.read(state, table) : undefined;
      state.startTicks = state.lastTicks = now?.ticks ?? 0;
      state.peakRssKb = now?.rssKb ?? 0;
      if (!now) state.exited = true;
      return state;
    });
    const ours = this.ourPids(table);
    for (const p of table) if (!ours.has(p.pid)) this.othersStart.set(p.pid, { starttime: p.starttime, ticks: ticksOf(p, false), comm: p.comm });
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private ourPids(table: ProcStat[]): Set<number> {
    const ours = new Set<number>([process.pid]);
    for (const t of this.targets) for (const pid of t.scope === 'tree' ? treeOf(t.pid, table) : [t.pid]) ours.add(pid);
    return ours;
  }

  /** One sample of every target: its CPU so far and its RSS. */
  sample(): void {
    const needsTable = this.states.some((s) => !s.exited && s.target.scope === 'tree');
    const table = needsTable ? readProcessTable() : undefined;
    for (const state of this.states) {
      if (state.exited) continue;
      const now = this.read(state, table);
      if (!now) {
        state.exited = true;
        continue;
      }
      state.lastTicks = now.ticks;
      state.peakRssKb = Math.max(state.peakRssKb, now.rssKb);
    }
  }

  /** Ends the window; call it before the processes the benchmark started are stopped. */
  stop(): WindowUsage {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const machineEnd = readMachineCpu();
    const table = readProcessTable();
    const seconds = (Date.now() - this.started) / 1000;
    const hz = this.ticksPerSecond;
    const processes = this.states.map((s): ProcessUsage => {
      const hwmKb = s.target.startedForBench && !s.exited ? readProcStatus(s.target.pid)?.vmHwmKb : undefined;
      const rssHwmMb = hwmKb !== undefined && Number.isFinite(hwmKb) ? hwmKb / KB_PER_MB : null;
      const rssPeakSampledMb = s.peakRssKb / KB_PER_MB;
      return {
        name: s.target.name,
        role: s.target.role,
        pid: s.target.pid,
        cpuSeconds: (s.lastTicks - s.startTicks) / hz,
        rssPeakSampledMb,
        rssHwmMb,
        rssPeakMb: rssHwmMb ?? rssPeakSampledMb,
        exited: s.exited,
      };
    });
    const machineBusySeconds = (machineEnd.busy - this.machineStart!.busy) / hz;
    const ours = processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
    const others: WindowUsage['topOthers'] = [];
    const ourPids = this.ourPids(table);
    for (const p of table) {
      const before = this.othersStart.get(p.pid);
      if (ourPids.has(p.pid) || !before || before.starttime !== p.starttime) continue;
      const cpuSeconds = (ticksOf(p, false) - before.ticks) / hz;
      if (cpuSeconds > 0) others.push({ pid: p.pid, command: commandOf(p.pid, p.comm), cpuSeconds });
    }
    others.sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    return {
      seconds,
      cores: cpus().length,
      processes,
      machineBusySeconds,
      machineStealSeconds: (machineEnd.steal - this.machineStart!.steal) / hz,
      otherSeconds: Math.max(0, machineBusySeconds - ours),
      topOthers: others.slice(0, 5),
    };
  }
}
