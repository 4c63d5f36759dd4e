import { ConfigurationError, checkConfiguration, configurationDescriptors, type TLSClientConfiguration, type TLSServerConfiguration } from '@unitls/tls-core';
import { planCiphers } from './ciphers.js';

/**
 * What tls-node cannot honour, found before any context exists: tls-core's shared checks (a
 * configuration, no empty descriptor material), then fromId material (node:tls has no key
 * store), and ciphers/versions with nothing left in common.
 *
 * @throws ConfigurationError saying what cannot be honoured and what to do instead.
 */
export function validateConfig(configuration: TLSClientConfiguration | TLSServerConfiguration, implementationName = '@unitls/tls-node'): void {
  checkConfiguration(configuration);
  for (const descriptor of configurationDescriptors(configuration)) {
    if (descriptor.source.kind === 'id') {
      throw new ConfigurationError(
        `${descriptor.constructor.name}.fromId() is not supported by ${implementationName}: it has no key store; use fromBuffer or fromFile`,
      );
    }
  }
  planCiphers(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion);
}
