/*
 * The named limits of the addon. README ("Limits") documents each one; src/limits.ts re-exports
 * them from the loaded addon, so TypeScript and C can never disagree.
 */
#ifndef UNITLS_LIMITS_H
#define UNITLS_LIMITS_H

/* Ciphertext one connection holds before it is read. processIncoming refuses beyond it, storing
 * nothing (PEP 748); a TLS record is at most 16 KiB + 256 bytes, so this is ~250 records. */
#define INCOMING_BUFFER_LIMIT (4 * 1024 * 1024)

/* Ciphertext waiting for processOutgoing beyond which write() takes no more plaintext: it takes
 * at most (limit - buffered) bytes, and raises WantWriteError when nothing fits (PEP 748). The
 * buffer can exceed the limit by the framing of the records of one write (22 bytes per 16 KiB). */
#define OUTGOING_BUFFER_LIMIT (256 * 1024)

/* Certificate chains one server context may hold (one is chosen per connection by SNI name);
 * more is refused with an error, never dropped. */
#define MAX_CHAINS 32

/* Bytes of one memory chunk of a connection's incoming/outgoing queue (a larger write takes one
 * chunk of its own size). Empty chunks are freed at once, so an idle connection holds none. */
#define CHUNK_SIZE (4 * 1024)

/* A chunk asked for with more than CHUNK_SIZE and at most this many bytes (one network read's, a
 * large write's records) is made this size, and once emptied it is kept for the next such chunk
 * instead of freed: at bulk rates a malloc and free of ~64 KiB per read cost more than the copy
 * into it (a free of 64 KiB or more also consolidates the heap). At most READ_CHUNK_SPARES are kept
 * per thread (256 KiB for the process, not per connection: an idle connection still holds none). */
#define READ_CHUNK_SIZE (64 * 1024)
#define READ_CHUNK_SPARES 4

/* The largest plaintext of one record (RFC 8446 5.1) and a bound on what framing adds to it
 * (header, explicit nonce, AEAD tag, TLS 1.3 content type), to size output buffers. */
#define MAX_RECORD_PLAINTEXT (16 * 1024)
#define MAX_RECORD_OVERHEAD 64

/* Records of post-handshake handshake messages (KeyUpdate, NewSessionTicket, HelloRequest, any
 * other the peer sends after its Finished) a peer may send in a row with no application data between
 * them: the next such record ends the connection (connection.c's on_message). Records, not messages:
 * tls-pure's maxEmptyRecords, the same number, counts records, so both take the same input (40
 * tickets packed in one record count once). RFC 8446 4.6.3 leaves the bound on KeyUpdates to the
 * implementation and OpenSSL 3.0 sets none, so a peer could make us derive keys, and answer its
 * requests, without end. (The name says messages: it is exported under it.) */
#define MAX_IDLE_HANDSHAKE_MESSAGES 32

/* Inputs at least this large are kept by reference (feedOwned) rather than copied. */
#define BORROW_MIN (16 * 1024)

#endif
