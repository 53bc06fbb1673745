import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config/config';
import { EncryptionCodec, parsePayloadKeys } from './payload-codec';

export type PayloadEncryptionConfig = Partial<Pick<Config, 'RECOUP_PAYLOAD_KEYS'>>;

/** The payload codec of this process, or undefined when `RECOUP_PAYLOAD_KEYS` is unset (encryption off). */
export function payloadCodecFor(config: PayloadEncryptionConfig): EncryptionCodec | undefined {
  return config.RECOUP_PAYLOAD_KEYS ? new EncryptionCodec(parsePayloadKeys(config.RECOUP_PAYLOAD_KEYS)) : undefined;
}

/** The module with the failure converter that moves failure messages and stack traces into payloads. */
export const encodingFailureConverterPath = require.resolve('./failure-converter');

/**
 * The one data converter of every Temporal client and worker of a process: with
 * `RECOUP_PAYLOAD_KEYS` set, payloads (inputs, results, update and signal arguments, activity
 * inputs and outputs, memo, failure details) are encrypted before they leave the process, and so
 * are failure messages and stack traces (moved into a payload by `failure-converter.ts`). The
 * codec runs outside the workflow sandbox; the workflow bundle carries the failure converter
 * (`bundleWorkflows(config)`), which changes no command, so recorded histories replay as before.
 */
export function dataConverterFor(config: PayloadEncryptionConfig): DataConverter | undefined {
  const codec = payloadCodecFor(config);
  return codec ? { payloadCodecs: [codec], failureConverterPath: encodingFailureConverterPath } : undefined;
}
