// pvault: the command-line face of the emulated device.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `pvault ${pkg.version}: an emulated Precursor-style credential vault (Xous Vault on a model of the Xous PDDB)

usage: pvault <command> [options]

commands:
  start            boot the device and print its state and the IPC trace of the boot

options:
  --help, -h       show help (also after a command: pvault <command> --help)
  --version, -V    print the version
`;

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  console.log(pkg.version);
} else if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
  process.stdout.write(HELP);
} else {
  console.error(`pvault: unknown command '${args[0]}' (see pvault --help)`);
  process.exitCode = 2;
}
