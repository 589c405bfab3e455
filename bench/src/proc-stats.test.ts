import { microsPerEvent, parseMachineCpu, parseProcStat, parseProcStatus, ticksOf, treeOf } from './proc-stats';

// A real line of /proc/<pid>/stat (a JVM), fields 1-52.
const JAVA = '27044 (java) S 1 27043 27043 0 -1 4194560 512345 0 12 0 98765 4321 7 3 20 0 108 0 3061168 4294967296 195015 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads the times, parent, start time and resident pages of a process', () => {
    expect(parseProcStat(JAVA)).toEqual({ pid: 27044, comm: 'java', state: 'S', ppid: 1, utime: 98765, stime: 4321, cutime: 7, cstime: 3, starttime: 3061168, rssPages: 195015 });
  });

  it('counts fields after the last parenthesis: a command name may hold spaces and parentheses', () => {
    const s = parseProcStat('4242 (Web Content (x) 1) R 100 4242 4242 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0 999 0 12 0');
    expect(s).toMatchObject({ pid: 4242, comm: 'Web Content (x) 1', state: 'R', ppid: 100, utime: 250, stime: 50, starttime: 999, rssPages: 12 });
  });

  it('refuses what is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S one 2 3')).toThrow(/field 4/);
  });

  it('adds reaped children only when asked', () => {
    const s = parseProcStat(JAVA);
    expect(ticksOf(s, false)).toBe(98765 + 4321);
    expect(ticksOf(s, true)).toBe(98765 + 4321 + 7 + 3);
  });
});

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in kB', () => {
    const text = 'Name:\tnode\nState:\tS (sleeping)\nVmPeak:\t 1234567 kB\nVmHWM:\t  412000 kB\nVmRSS:\t  398760 kB\nThreads:\t11\n';
    expect(parseProcStatus(text)).toEqual({ vmRssKb: 398760, vmHwmKb: 412000 });
  });

  it('gives NaN for a process without memory lines (a zombie, a kernel thread)', () => {
    const r = parseProcStatus('Name:\tkworker/0:1\nState:\tI (idle)\n');
    expect(r.vmRssKb).toBeNaN();
    expect(r.vmHwmKb).toBeNaN();
  });
});

describe('parseMachineCpu', () => {
  it('sums busy, idle and stolen ticks of the aggregate line', () => {
    const text = 'cpu  100 5 50 1000 20 3 2 7 40 0\ncpu0 50 2 25 500 10 1 1 3 20 0\nintr 1 2 3\n';
    // busy = user + nice + system + irq + softirq (guest is inside user already)
    expect(parseMachineCpu(text)).toEqual({ busy: 160, idle: 1020, steal: 7, total: 1187 });
  });

  it('refuses a file without the aggregate line', () => {
    expect(() => parseMachineCpu('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});

describe('treeOf', () => {
  it('finds every descendant and nothing else', () => {
    const table = [
      { pid: 1, ppid: 0 },
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 11 },
      { pid: 13, ppid: 10 },
      { pid: 20, ppid: 1 },
    ];
    expect([...treeOf(10, table)].sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect([...treeOf(20, table)]).toEqual([20]);
    expect([...treeOf(99, table)]).toEqual([99]);
  });
});

describe('microsPerEvent', () => {
  it('is CPU seconds over events in microseconds', () => {
    expect(microsPerEvent(1.86, 10_000)).toBeCloseTo(186, 6);
    expect(microsPerEvent(1, 0)).toBeNaN();
  });
});
