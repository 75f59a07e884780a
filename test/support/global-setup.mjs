import { buildForTests } from '../../scripts/build-for-tests.mjs';

/** Jest global setup of the end-to-end project: child-process tests run the built sample. */
export default function globalSetup() {
  buildForTests();
}
