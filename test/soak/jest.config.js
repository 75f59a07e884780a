// The soak project: long runs with faults, not part of `npm test` (run them with `npm run test:soak`).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import root from '../../jest.config.js';

const e2e = root.projects.find((project) => project.displayName === 'e2e');

export default {
  ...e2e,
  rootDir: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  displayName: 'soak',
  testMatch: ['<rootDir>/test/soak/**/*.soak-spec.ts'],
  testTimeout: 30_000,
};
