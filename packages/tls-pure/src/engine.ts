/**
 * The sans-IO core shared by client and server: records in, handshake messages reassembled and
 * handed to the current state, application data queued, alerts sent and received, keys switched,
 * and a sticky failed state. Handshake behaviour lives in the states (handshake/client.ts,
 * handshake/server.ts), one small class per message expected, as in rustls.
 *
 * @module
 */
import { TLSError, renegotiationRefused } from '@unitls/tls-core';
import { AlertDescription, ContentType, alertName } from './codec/constants.js';
import type { HandshakeMessage } from './codec/messages.js';
import { DecodeError } from './codec/reader.js';
import type { Limits } from './config/limits.js';
import type { CryptoProvider } from './crypto/provider.js';
import type { Tls13Suite } from './crypto/schemes.js';
import { TLSPeerAlertError, TLSProtocolError, describePeerAlert, fail } from './errors.js';
import { KeySchedule, wipe } from './handshake/key-schedule.js';
import { RecordProtection } from './record/protection.js';
import { RecordLayer } from './record/record-layer.js';
import { CertificateVerificationError } from '@unitls/tls-core';

/** A handshake state: what it expects, and what it becomes after handling one message. */
export interface HandshakeState {
  readonly name: string;
  handle(engine: Engine, message: HandshakeMessage): HandshakeState;
}

/** What the handshake settled, for the TLSBuffer's accessors. */
export interface Negotiated {
  readonly cipherSuite: number;
  /** The key-exchange group (NamedGroup id); null for a TLS 1.2 resumption, which has none. */
  readonly group: number | null;
  readonly alpn: Uint8Array | null;
  /** The peer's chain, leaf first (from the session when resumed). */
  readonly peerCertificates: readonly Uint8Array[];
  readonly resumed: boolean;
  readonly serverName: string | null;
}

/** The application traffic secrets, kept for KeyUpdate. */
interface Traffic {
  readonly suite: Tls13Suite;
  readonly schedule: KeySchedule;
  readSecret: Uint8Array;
  writeSecret: Uint8Array;
}


const CERTIFICATE_ALERTS: Record<string, number> = {
  expired: AlertDescription.certificate_expired,
  'not-yet-valid': AlertDescription.certificate_expired,
  'untrusted-issuer': AlertDescription.unknown_ca,
  'self-signed': AlertDescription.unknown_ca,
  'missing-certificate': AlertDescription.certificate_required,
  revoked: AlertDescription.certificate_revoked,
};

export class Engine {
  readonly provider: CryptoProvider;
  readonly limits: Limits;
  readonly records = new RecordLayer();
  state: HandshakeState;
  negotiated: Negotiated | null = null;
  failure: Error | null = null;
  closeReceived = false;
  closeSent = false;
  eof = false;
  /** The negotiated protocol version (0x0303 or 0x0304) once the hellos settled it. */
  version: number | null = null;
  /**
   * TLS 1.2: what a ChangeCipherSpec record does next (switch the read keys); null when none is
   * expected, so a stray one is fatal.
   */
  onChangeCipherSpec: (() => void) | null = null;
  /**
   * The start of a handshake message whose end has not arrived: the records' contents (copies) and
   * their total. Kept as a list and joined once the whole message is here, so a message sent in
   * many small records costs linear time (a join per record made a 128 KiB ClientHello in 1-byte
   * records cost 8 GB of copying). Empty between messages, most of a connection's life.
   */
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #pendingHandshake: Uint8Array[] = [];
  #readKeysChanged = false;
  #appData: Uint8Array[] = [];
  #idleRecords = 0;
  #traffic: Traffic | null = null;
  #keyUpdatePending = false;
  /** We sent a KeyUpdate and no application data since: a peer's request needs no second one. */
  #updatedSinceData = false;
  /**
   * Our KeyUpdates that asked the peer to update (keyUpdate(true)) and that no KeyUpdate of its own
   * has answered yet: up to this many answers do not count against maxEmptyRecords.
   */
  #unansweredRequests = 0;
  /** We refused a TLS 1.2 renegotiation (sent no_renegotiation): the peer's next fatal alert is its answer. */
  #refusedRenegotiation = false;

  constructor(provider: CryptoProvider, limits: Limits, initial: HandshakeState) {
    this.provider = provider;
    this.limits = limits;
    this.state = initial;
  }

  get handshakeComplete(): boolean {
    return this.negotiated !== null;
  }

  // ---- for the states ----

  /** Queues a handshake message; a flight goes out in as few records as fit. */
  sendHandshake(message: Uint8Array): void {
    this.#pendingHandshake.push(message);
  }

  flush(): void {
    if (this.#pendingHandshake.length === 0) return;
    const parts = this.#pendingHandshake;
    this.#pendingHandshake = [];
    this.records.write(ContentType.HANDSHAKE, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** RFC 8446 §D.4 middlebox compatibility: a dummy change_cipher_spec record. */
  sendChangeCipherSpec(): void {
    this.flush();
    this.records.write(ContentType.CHANGE_CIPHER_SPEC, Uint8Array.of(1));
  }

  setReadSecret(suite: Tls13Suite, schedule: KeySchedule, secret: Uint8Array): void {
    const { key, iv } = schedule.trafficKeys(secret, suite.keyLength);
    this.records.setReader(new RecordProtection(this.provider, suite.aead, key, iv));
    this.#readKeysChanged = true;
  }

  setWriteSecret(suite: Tls13Suite, schedule: KeySchedule, secret: Uint8Array): void {
    this.flush();
    const { key, iv } = schedule.trafficKeys(secret, suite.keyLength);
    this.records.setWriter(new RecordProtection(this.provider, suite.aead, key, iv));
  }

  /**
   * Records the application traffic secrets for later KeyUpdates (the states switch the keys
   * themselves, each direction at the moment RFC 8446 says).
   */
  trackTraffic(suite: Tls13Suite, schedule: KeySchedule, readSecret: Uint8Array, writeSecret: Uint8Array): void {
    this.#traffic = { suite, schedule, readSecret, writeSecret };
  }

  complete(negotiated: Negotiated): void {
    this.negotiated = negotiated;
    this.records.established = true;
  }

  /** Handles a KeyUpdate from the peer (RFC 8446 §4.6.3). */
  receiveKeyUpdate(requested: boolean): void {
    const traffic = this.#traffic!;
    const previous = traffic.readSecret;
    traffic.readSecret = traffic.schedule.nextTrafficSecret(previous);
    this.setReadSecret(traffic.suite, traffic.schedule, traffic.readSecret);
    wipe(previous); // RFC 8446 §7.2: delete secret N once N+1 and its keys are computed
    // RFC 8446 §4.6.3: an implementation that receives several KeyUpdates while silent responds with
    // a single update: a request that finds our key already updated and unused asks for nothing new.
    if (requested && !this.closeSent && !this.#updatedSinceData) this.#keyUpdatePending = true;
    if (!requested && this.#unansweredRequests > 0) this.#unansweredRequests--;
    if (this.#keyUpdatePending) this.sendKeyUpdate(false);
  }

  /** Application data went out under the current writing key (a peer's next request needs a new one). */
  dataSent(): void {
    this.#updatedSinceData = false;
  }

  /** Sends KeyUpdate and moves our writing keys forward; `requestPeer` asks the peer to do the same. */
  sendKeyUpdate(requestPeer: boolean): void {
    const traffic = this.#traffic;
    if (traffic === null) throw new TLSError('KeyUpdate needs a completed TLS 1.3 handshake');
    this.sendHandshake(Uint8Array.of(24, 0, 0, 1, requestPeer ? 1 : 0));
    this.flush();
    const previous = traffic.writeSecret;
    traffic.writeSecret = traffic.schedule.nextTrafficSecret(previous);
    this.setWriteSecret(traffic.suite, traffic.schedule, traffic.writeSecret);
    wipe(previous);
    this.#keyUpdatePending = false;
    this.#updatedSinceData = true;
    if (requestPeer) this.#unansweredRequests++;
  }

  // ---- for the TLSBuffer ----

  /** Runs `step`; on any failure sends the matching alert once, becomes failed, and rethrows a typed error. */
  guard<T>(step: () => T): T {
    if (this.failure !== null) throw this.failure;
    try {
      return step();
    } catch (error) {
      throw this.#fail(error);
    }
  }

  #fail(error: unknown): Error {
    // Want* errors are not failures: the caller retries.
    if (error instanceof TLSError && (error.code === 'UNITLS_WANT_READ' || error.code === 'UNITLS_WANT_WRITE')) return error;
    let typed: Error;
    let alert: number | null = null;
    if (error instanceof TLSProtocolError) {
      typed = error;
      alert = error.alert;
    } else if (error instanceof TLSPeerAlertError) {
      typed = error;
    } else if (error instanceof CertificateVerificationError) {
      typed = error;
      alert = CERTIFICATE_ALERTS[error.reason] ?? AlertDescription.bad_certificate;
      // TLS 1.2 has no certificate_required: a missing client certificate is a handshake_failure.
      if (alert === AlertDescription.certificate_required && this.version === 0x0303) alert = AlertDescription.handshake_failure;
    } else if (error instanceof DecodeError) {
      typed = new TLSProtocolError(AlertDescription.decode_error, `malformed message from the peer: ${error.message}`, { cause: error });
      alert = AlertDescription.decode_error;
    } else if (error instanceof TLSError) {
      typed = error; // the transport ended: nobody to alert
    } else {
      typed = new TLSProtocolError(AlertDescription.internal_error, `internal error: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      alert = AlertDescription.internal_error;
    }
    this.failure = typed;
    if (alert !== null && !this.closeSent) {
      try {
        this.#pendingHandshake = [];
        this.records.write(ContentType.ALERT, Uint8Array.of(2, alert));
      } catch {
        // nothing more can be sent
      }
      this.closeSent = true;
    }
    return typed;
  }

  /** A warning alert (TLS 1.2's no_renegotiation). */
  sendWarning(description: number): void {
    if (description === AlertDescription.no_renegotiation) this.#refusedRenegotiation = true;
    this.flush();
    this.records.write(ContentType.ALERT, Uint8Array.of(1, description));
  }

  sendCloseNotify(): void {
    if (this.closeSent) return;
    this.flush();
    this.records.write(ContentType.ALERT, Uint8Array.of(1, AlertDescription.close_notify));
    this.closeSent = true;
  }

  /** The next queued application data, up to `amt` bytes of one record. */
  takeAppData(amt: number): Uint8Array | null {
    const first = this.#appData[0];
    if (first === undefined) return null;
    if (first.length <= amt) {
      this.#appData.shift();
      return first;
    }
    this.#appData[0] = first.subarray(amt);
    return first.subarray(0, amt);
  }

  get appDataBuffered(): boolean {
    return this.#appData.length > 0;
  }

  /**
   * Processes whole records until `stop()` holds, an application data record was queued, the
   * peer's close_notify arrived, or no whole record is left. With `into`, the caller takes the
   * queued data at once and copies it into `into` from `at` (up to its end) before any other call:
   * a record that fits may be written there straight away or decrypted in place
   * (RecordLayer.readRecord), its data then a view of `into` or of memory about to be reused.
   */
  processRecords(stop: () => boolean, into: Uint8Array | null = null, at = 0): void {
    while (!stop() && this.#appData.length === 0 && !this.closeReceived) {
      const record = this.records.readRecord(into, at);
      if (record === null) break;
      switch (record.type) {
        case ContentType.CHANGE_CIPHER_SPEC: {
          if (record.protected || record.content.length !== 1 || record.content[0] !== 1) fail(AlertDescription.unexpected_message, 'a malformed change_cipher_spec record');
          const next = this.onChangeCipherSpec;
          if (next !== null) {
            // TLS 1.2: it must not split a handshake message, and switches the read keys.
            if (this.#fragmentBytes > 0) fail(AlertDescription.unexpected_message, 'change_cipher_spec inside a handshake message');
            this.onChangeCipherSpec = null;
            next();
          } else if (this.handshakeComplete || this.version === 0x0303) {
            fail(AlertDescription.unexpected_message, 'an unexpected change_cipher_spec record');
          }
          // RFC 8446 §5: TLS 1.3 ignores one during the handshake (middlebox compatibility).
          this.#idle('a change_cipher_spec');
          break;
        }
        case ContentType.ALERT:
          this.#receiveAlert(record.content);
          break;
        case ContentType.HANDSHAKE:
          // RFC 8446 §5.1, RFC 5246 §6.2.1: zero-length handshake fragments are never sent; OpenSSL
          // ends the connection (bad length). The record layer refuses a plaintext one; this is an
          // encrypted one, which would otherwise pass as nothing (and, during a handshake, reset
          // the count of records without data).
          if (record.content.length === 0) fail(AlertDescription.unexpected_message, 'an empty encrypted handshake record');
          this.#receiveHandshake(record.content);
          break;
        case ContentType.APPLICATION_DATA:
          if (!this.handshakeComplete) fail(AlertDescription.unexpected_message, 'application data arrived before the handshake finished');
          if (this.#fragmentBytes > 0) fail(AlertDescription.unexpected_message, 'application data interleaved with a fragmented handshake message');
          if (record.content.length === 0) this.#idle('an empty application_data record');
          else {
            this.#idleRecords = 0;
            this.#appData.push(record.content);
          }
          break;
      }
    }
    this.flush();
  }

  /** Counts a record that carries nothing for the caller; `what` names it for the error. */
  #idle(what: string): void {
    if (++this.#idleRecords > this.limits.maxEmptyRecords) {
      fail(AlertDescription.unexpected_message, `more than ${this.limits.maxEmptyRecords} records in a row with no data (the last: ${what})`);
    }
  }

  #receiveAlert(content: Uint8Array): void {
    if (content.length !== 2) fail(AlertDescription.decode_error, 'an alert record that is not 2 bytes');
    const [level, description] = [content[0]!, content[1]!];
    if (description === AlertDescription.close_notify) {
      this.closeReceived = true;
      return;
    }
    // RFC 8446 §6: only close_notify and user_canceled may be warnings; every other alert ends the connection.
    // TLS 1.2 warnings other than close_notify (no_renegotiation, user_canceled) end nothing.
    if (level === 1 && (description === AlertDescription.user_canceled || this.version === 0x0303)) {
      this.#idle('a warning alert');
      return;
    }
    // After a TLS 1.2 handshake the only handshake that can fail is a renegotiation: we refused the
    // peer's (no_renegotiation warning, handshake/client12.ts, server12.ts) and it gave up, with
    // whichever fatal alert its stack sends then (OpenSSL: handshake_failure; GnuTLS: internal_error).
    if (this.version === 0x0303 && this.handshakeComplete && (description === AlertDescription.handshake_failure || this.#refusedRenegotiation)) {
      this.closeSent = true;
      // Not describePeerAlert's handshake_failure text ("no cipher suite ... in common?"): the
      // handshake that failed is the renegotiation we refused.
      throw renegotiationRefused(new TLSPeerAlertError(description, `the peer ended the connection with a fatal ${alertName(description)} alert after we refused its renegotiation (no_renegotiation)`));
    }
    const error =
      description === AlertDescription.certificate_required
        ? new CertificateVerificationError('missing-certificate', 'the server requires a client certificate and none was sent (configure certificateChain)', {
            verifyCode: 'certificate_required',
          })
        : new TLSPeerAlertError(description, `${describePeerAlert(description)} [${alertName(description)}]`);
    this.closeSent = true; // never answer a fatal alert
    throw error;
  }

  /** Whether a handshake record is one KeyUpdate(update_not_requested) while a request of ours is unanswered. */
  #answersOurRequest(content: Uint8Array): boolean {
    return this.#unansweredRequests > 0 && this.#fragmentBytes === 0 && content.length === 5 && content[0] === 24 && content[1] === 0 && content[2] === 0 && content[3] === 1 && content[4] === 0;
  }

  #receiveHandshake(content: Uint8Array): void {
    // After the handshake, a handshake record (KeyUpdate, NewSessionTicket, a refused TLS 1.2
    // HelloRequest) carries nothing for the caller: a run of them counts against maxEmptyRecords. RFC
    // 8446 §4.6.3 leaves the bound to the implementation; without it a peer could send KeyUpdates
    // without end, each costing a key derivation (and, requested, a reply).
    // A record holding only a KeyUpdate that answers one of our requests is the peer doing what we
    // asked, not idling: OpenSSL answers every request, even several sent while it sent nothing, so
    // a client that asked 31 times after the server's 2 tickets would otherwise end its own connection.
    if (this.handshakeComplete && !this.#answersOurRequest(content)) this.#idle('a post-handshake handshake message (KeyUpdate, NewSessionTicket)');
    else this.#idleRecords = 0;
    let buffer = content;
    if (this.#fragmentBytes > 0) {
      this.#fragments.push(new Uint8Array(content)); // a copy: the record's content may be a view of reused memory
      this.#fragmentBytes += content.length;
      const length = this.#waitingLength();
      if (length === null || this.#fragmentBytes < 4 + length) return;
      buffer = Buffer.concat(this.#fragments, this.#fragmentBytes);
      this.#fragments = [];
      this.#fragmentBytes = 0;
    }
    while (buffer.length >= 4) {
      const length = this.#checkedLength(buffer[1]!, buffer[2]!, buffer[3]!);
      if (buffer.length < 4 + length) break;
      const encoded = buffer.subarray(0, 4 + length);
      buffer = buffer.subarray(4 + length);
      this.#readKeysChanged = false;
      this.state = this.state.handle(this, { type: encoded[0]!, body: encoded.subarray(4), encoded });
      // RFC 8446 §5.1: handshake messages must not span a key change.
      if (this.#readKeysChanged && buffer.length > 0) fail(AlertDescription.unexpected_message, 'handshake data straddles a key change');
    }
    if (buffer.length > 0) {
      this.#fragments = [new Uint8Array(buffer)]; // a copy, as above
      this.#fragmentBytes = buffer.length;
    }
  }

  /** The body length the held fragments' message header announces (checked); null before 4 bytes arrived. */
  #waitingLength(): number | null {
    if (this.#fragmentBytes < 4) return null;
    const header: number[] = [];
    for (const fragment of this.#fragments) {
      for (let i = 0; i < fragment.length && header.length < 4; i++) header.push(fragment[i]!);
      if (header.length === 4) break;
    }
    return this.#checkedLength(header[1]!, header[2]!, header[3]!);
  }

  /** A handshake message header's 24-bit length, refused beyond maxHandshakeMessageSize. */
  #checkedLength(high: number, middle: number, low: number): number {
    const length = (high << 16) | (middle << 8) | low;
    if (length > this.limits.maxHandshakeMessageSize) {
      fail(AlertDescription.illegal_parameter, `a handshake message of ${length} bytes exceeds the limit of ${this.limits.maxHandshakeMessageSize}`);
    }
    return length;
  }
}
