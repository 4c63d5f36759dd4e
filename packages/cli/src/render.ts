import type { CertificateInfo } from './certificate.js';
import type { ConnectReport } from './connect.js';

function certificateLines(cert: CertificateInfo, index: number): string[] {
  return [
    `  ${index} subject:  ${cert.subject}`,
    `    issuer:   ${cert.issuer}`,
    `    SANs:     ${cert.subjectAltNames.length === 0 ? '(none)' : cert.subjectAltNames.join(', ')}`,
    `    valid:    ${cert.notBefore} .. ${cert.notAfter}${cert.validity === 'valid' ? '' : ` (${cert.validity.toUpperCase()})`}`,
    `    sha256:   ${cert.sha256}`,
  ];
}

/**
 * What to do about a name mismatch: the host may be right under another name (an address, an
 * internal name), which --servername verifies instead; a concrete name the certificate carries
 * (not a wildcard) is offered as the example.
 */
export function servernameHint(subjectAltNames: readonly string[]): string {
  const example = subjectAltNames.find((name) => name.startsWith('DNS:') && !name.includes('*'))?.slice(4);
  const option = example === undefined ? '--servername NAME' : `--servername ${example}`;
  return `if this is the right server under another name, connect by that name or verify it with ${option}`;
}

/** The report as the text `unitls connect` prints. */
export function renderReport(report: ConnectReport): string[] {
  const { target } = report;
  const lines = [
    `implementation: ${report.implementation}`,
    `connecting to ${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port} (name: ${target.serverHostname})${target.starttls ? ` with STARTTLS (${target.starttls})` : ''}`,
  ];
  if (report.greeting !== null) lines.push(`greeting:  ${report.greeting}`);
  if (report.negotiated !== null) {
    const { version, cipher, alpn, group } = report.negotiated;
    lines.push(
      `version:   ${version}`,
      `cipher:    ${cipher === null ? '(none)' : `${cipher.name} (0x${cipher.id.toString(16).padStart(4, '0')})`}`,
      `group:     ${group ?? '(not reported by this implementation)'}`,
      `ALPN:      ${alpn ?? '(none)'}`,
    );
  }
  if (report.chain.length > 0) {
    lines.push(report.chainSource === 'unverified-second-connection' ? 'certificate chain (fetched again without verification, to show it):' : 'certificate chain:');
    report.chain.forEach((cert, i) => lines.push(...certificateLines(cert, i)));
  }
  const verification = report.verification;
  if (verification?.ok) lines.push('verification: OK (chain trusted, name matches)');
  else if (verification) {
    lines.push(`verification: FAILED (${verification.reason}${verification.verifyCode ? `, ${verification.verifyCode}` : ''})`, `  ${verification.message}`);
    const leaf = report.chain[0];
    if (leaf && verification.reason === 'hostname-mismatch') {
      lines.push(`  the certificate's names: ${leaf.subjectAltNames.join(', ') || '(none)'}; asked for: ${target.serverHostname}`, `  ${servernameHint(leaf.subjectAltNames)}`);
    }
    if (leaf && (verification.reason === 'expired' || verification.reason === 'not-yet-valid')) lines.push(`  the certificate is valid from ${leaf.notBefore} to ${leaf.notAfter}`);
  }
  const after = report.afterHandshake;
  if (after?.outcome === 'quiet') lines.push('after the handshake: the server sent nothing (no refusal)');
  else if (after?.outcome === 'data') lines.push(`after the handshake: the server spoke first: ${after.recognised === undefined ? JSON.stringify(after.detail) : after.detail}`);
  else if (after?.outcome === 'closed') lines.push(`after the handshake: ${after.detail}`);
  else if (after?.outcome === 'refused') lines.push(`after the handshake: REFUSED: ${after.detail}`);
  if (report.resumption !== null) {
    const { resumed, note } = report.resumption;
    lines.push(`resumption: ${resumed === true ? 'YES (the second connection resumed the session)' : resumed === false ? 'NO (the server started a new session)' : `unknown${note ? ` (${note})` : ''}`}`);
  }
  if (report.error !== null && report.verification?.ok !== false && report.error.stage !== 'after-handshake') {
    lines.push(`connection: FAILED (${report.error.stage})`, `  ${report.error.message}`);
  }
  lines.push(`result: ${report.ok ? 'OK' : 'FAILED'} (exit ${report.exitCode})`);
  return lines;
}
