import { inject } from 'vitest';
import {
  Certificate,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  type TLSClientConfigurationOptions,
  type TLSServerConfigurationOptions,
} from '@unitls/tls-core';
import { ISSUERS, Pki, type PkiName } from './pki.js';

export const pki = new Pki(inject('pkiDir'));

/** A SigningChain for a fixture leaf, with the intermediate unless it is self-signed / foreign. */
export function chainOf(name: PkiName): SigningChain {
  const issuer = ISSUERS[name] ?? 'intermediate';
  const intermediates = name === 'selfsigned' || name === 'untrusted' || name === 'foreign-client' ? [] : [Certificate.fromFile(pki.path(issuer))];
  return new SigningChain([Certificate.fromFile(pki.path(name)), PrivateKey.fromFile(pki.path(name, 'key'))], intermediates);
}

export const rootStore = (): TrustStore => TrustStore.fromFile(pki.path('root'));

export function serverConfig(name: PkiName | PkiName[] = 'server-ec', options: TLSServerConfigurationOptions = {}): TLSServerConfiguration {
  const names = Array.isArray(name) ? name : [name];
  return new TLSServerConfiguration({ certificateChain: names.map(chainOf), ...options });
}

export function clientConfig(options: TLSClientConfigurationOptions = {}): TLSClientConfiguration {
  return new TLSClientConfiguration({ trustStore: rootStore(), ...options });
}
