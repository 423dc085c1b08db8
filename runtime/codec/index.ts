/** Payload encryption: the AES-GCM codec, its keys, the data converter and the codec server. */
export { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID, NoCodecKeyError, PayloadDecryptionError, isEncrypted } from './aes-gcm';
export { CodecKeyConfigError, codecKeysFromEnv, codecTokensFromEnv, parseCodecKeys, type CodecKey } from './keys';
export { FAILURE_CONVERTER_PATH, codecFromEnv, dataConverterFromEnv, encryptingDataConverter } from './data-converter';
export { CODEC_COOKIE, CodecServerConfigError, codecOriginsFromEnv, codecRouterFromEnv, createCodecRouter, startCodecServer, type CodecRouterOptions, type CodecServer, type CodecServerOptions } from './server';
