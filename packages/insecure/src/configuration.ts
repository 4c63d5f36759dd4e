import { ConfigurationError, closestName } from '@unitls/tls-core';
import { SecurityWarningCode, warn } from './warning.js';
import { describeValue } from '@unitls/tls-core';

/** Options of {@link InsecureConfiguration}. */
export interface InsecureConfigurationOptions {
  /** Do not check that the certificate names the server. */
  disableHostnameCheck: boolean;
  /** Do not verify the certificate chain at all (requires disableHostnameCheck). */
  disableVerification: boolean;
}

/**
 * Which checks an insecure context skips (PEP 748 `InsecureConfiguration`). Creating one emits a
 * SecurityWarning. Turning verification off while keeping the hostname check is refused: a name
 * check on an unverified certificate proves nothing.
 */
export class InsecureConfiguration {
  readonly disableHostnameCheck: boolean;
  readonly disableVerification: boolean;

  constructor(options: InsecureConfigurationOptions) {
    const { disableHostnameCheck, disableVerification } = options ?? ({} as InsecureConfigurationOptions);
    // A misspelt name would otherwise read as "missing" and hide which one was meant.
    for (const name of typeof options === 'object' && options !== null ? Object.keys(options) : []) {
      if (name === 'disableHostnameCheck' || name === 'disableVerification') continue;
      const close = closestName(name, ['disableHostnameCheck', 'disableVerification']);
      throw new ConfigurationError(`InsecureConfiguration: unknown option ${JSON.stringify(name)}; ${close === null ? 'the options are disableHostnameCheck, disableVerification' : `did you mean ${JSON.stringify(close)}?`}`);
    }
    if (typeof disableHostnameCheck !== 'boolean' || typeof disableVerification !== 'boolean') {
      throw new ConfigurationError(`InsecureConfiguration: disableHostnameCheck and disableVerification must both be given as booleans (each weakening is spelt out, none implied)${missingAdvice(disableHostnameCheck, disableVerification)}`);
    }
    if (disableVerification && !disableHostnameCheck) {
      throw new ConfigurationError(
        'InsecureConfiguration: disableVerification requires disableHostnameCheck: checking the name of an unverified certificate proves nothing',
      );
    }
    this.disableHostnameCheck = disableHostnameCheck;
    this.disableVerification = disableVerification;
    Object.freeze(this);
    warn(
      SecurityWarningCode.CONFIGURATION,
      `InsecureConfiguration created: ${[disableVerification && 'certificate verification', disableHostnameCheck && 'hostname checks'].filter(Boolean).join(' and ') || 'nothing'} disabled`,
    );
  }

  equals(other: unknown): boolean {
    return (
      other instanceof InsecureConfiguration &&
      other.disableHostnameCheck === this.disableHostnameCheck &&
      other.disableVerification === this.disableVerification
    );
  }
}

/**
 * What to write when one of the two is missing (trial 10, finding 9): the refusal said neither why
 * nor the fix. Without verification the name check proves nothing, so it goes too.
 */
function missingAdvice(disableHostnameCheck: unknown, disableVerification: unknown): string {
  if (disableVerification === true && disableHostnameCheck === undefined) {
    return '; with disableVerification: true, also give disableHostnameCheck: true (checking the name of an unverified certificate proves nothing): new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true })';
  }
  if (disableHostnameCheck === true && disableVerification === undefined) {
    return '; to skip only the name check, also give disableVerification: false: new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: false })';
  }
  const wrong = [['disableHostnameCheck', disableHostnameCheck], ['disableVerification', disableVerification]].filter(([, value]) => value !== undefined && typeof value !== 'boolean');
  return wrong.length === 0 ? '' : `; got ${wrong.map(([name, value]) => `${String(name)}: ${describeValue(value)}`).join(', ')}`;
}
