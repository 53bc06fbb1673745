import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of processes that encrypt payloads (`RECOUP_PAYLOAD_KEYS`): a failure's
 * message and stack trace move into its `encodedAttributes` payload, which the payload codec then
 * encrypts like any other payload (an SMTP server's answer can name the debtor's address). The
 * history keeps the message "Encoded failure"; clients with the codec read the original.
 *
 * Loaded by path (`failureConverterPath`) in the worker, in clients, and inside the workflow
 * bundle, so this module imports nothing but the SDK's common package.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
