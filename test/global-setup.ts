// Builds dist/ once before the tests, so the CLI child processes they start run the compiled code
// instead of each rebuilding it (bin/kmnist-lab.js would, finding src/ newer than dist/).
import { build, isBuildFresh } from '../scripts/build.js';

export default async function setup(): Promise<void> {
  if (!isBuildFresh()) await build();
}
