import { ConfigurationError, TLSClientConfiguration, TLSServerConfiguration } from '@unitls/tls-core';
import { planCiphers } from './ciphers.js';

/**
 * What tls-node cannot honour, found before any context exists: fromId material (node:tls has
 * no key store), and ciphers/versions with nothing left in common.
 */
export function validateConfig(configuration: TLSClientConfiguration | TLSServerConfiguration, implementationName = '@unitls/tls-node'): void {
  if (!(configuration instanceof TLSClientConfiguration) && !(configuration instanceof TLSServerConfiguration)) {
    throw new ConfigurationError('validateConfig: expected a TLSClientConfiguration or TLSServerConfiguration');
  }
  const chains =
    configuration.certificateChain === null
      ? []
      : configuration instanceof TLSClientConfiguration
        ? [configuration.certificateChain!]
        : [...configuration.certificateChain!];
  const descriptors = [
    ...chains.flatMap((chain) => [chain.leaf[0], ...(chain.leaf[1] ? [chain.leaf[1]] : []), ...chain.chain]),
    ...(configuration.trustStore ? [configuration.trustStore] : []),
  ];
  for (const descriptor of descriptors) {
    if (descriptor.source.kind === 'id') {
      throw new ConfigurationError(
        `${descriptor.constructor.name}.fromId() is not supported by ${implementationName}: it has no key store; use fromBuffer or fromFile`,
      );
    }
  }
  planCiphers(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion);
}
