import { FirmwareError } from '../errors.js';

/** Runs `f` and returns the FirmwareError it throws; fails the test if it throws nothing or something else. */
export function catchFirmwareError(f: () => unknown): FirmwareError {
  try {
    f();
  } catch (e) {
    if (e instanceof FirmwareError) return e;
    throw e;
  }
  throw new Error('expected a FirmwareError');
}
