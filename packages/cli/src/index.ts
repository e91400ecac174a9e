/**
 * @packageDocumentation
 * The `kdsim` command: run scenarios and render what the kernel did.
 */
export { main, summary } from './main.js';
export { defaultMachine } from './default-machine.js';
