import {defineConfig} from 'vitest/config';

// Three projects, run one group after the other (sequence.groupOrder):
// 1. unit: fast tests (fakes, pure functions, Ink components), in parallel.
// 2. e2e: files that each boot their own sandbox VPSes (systemd-nspawn), two files at a time: each
//    instance has its own namespaces, overlay and names, so files share nothing but the CPU.
// 3. e2e-solo: the files whose timing is the point (the fault matrix's confirmation windows, three
//    chains side by side already; the wizard answered in real time in tmux; the lock test's second run
//    inside the first one's window, frozen at ssh-hardening's proof), alone on the machine.
// `--project 'e2e*'` selects both e2e projects.
const SOLO = ['test/e2e/fault-matrix.test.ts', 'test/e2e/wizard.test.ts', 'test/e2e/lock.test.ts'];
const e2e = {
  globalSetup: ['test/e2e/global-setup.ts'],
  testTimeout: 300_000,
  hookTimeout: 600_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          setupFiles: ['test/setup-unit.ts'],
          sequence: {groupOrder: 0},
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: SOLO,
          ...e2e,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: {groupOrder: 1},
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e-solo',
          include: SOLO,
          ...e2e,
          fileParallelism: false,
          sequence: {groupOrder: 2},
        },
      },
    ],
  },
});
