/**
 * The failure converter of encrypted deployments: error messages and stack
 * traces go into `encodedAttributes`, a payload, so the payload codec
 * encrypts them too (Temporal stores "Encoded failure" as the message).
 *
 * The SDK loads it by path (`DataConverter.failureConverterPath`), in the
 * worker and client and inside the workflow bundle, so this module must stay
 * free of Node APIs: it is bundled into workflow code.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
