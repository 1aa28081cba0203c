import { ConfigurationError } from "../../src/index.js";

/**
 * The option and message of the `ConfigurationError` that `run` throws; fails the test when
 * it throws nothing, and rethrows any other error.
 */
export function configRefusal(run: () => unknown): { option: string; message: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigurationError) return { option: e.option, message: e.message };
    throw e;
  }
  throw new Error("accepted: no ConfigurationError");
}
