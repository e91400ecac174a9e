/**
 * @packageDocumentation
 * The `kdsim` command: run scenarios and render what the kernel did.
 */
export { main } from './main.js';
