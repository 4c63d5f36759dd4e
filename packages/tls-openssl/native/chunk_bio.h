/*
 * A BIO over a queue of memory chunks, one per direction of a connection (network -> SSL and
 * SSL -> network). Unlike BIO_s_mem it never reallocates or moves what it holds, and it frees
 * each chunk as soon as it is read, so an idle connection holds no buffer at all.
 */
#ifndef UNITLS_CHUNK_BIO_H
#define UNITLS_CHUNK_BIO_H

#include <openssl/bio.h>
#include <stddef.h>

/* A new, empty chunk BIO; NULL (with an OpenSSL error queued) when out of memory. */
BIO *chunk_bio_new(void);

/* Bytes held and not yet taken. */
size_t chunk_bio_pending(BIO *bio);

/* Appends all `len` bytes, or nothing: returns 0 (with an OpenSSL error queued) when out of memory. */
int chunk_bio_append(BIO *bio, const unsigned char *data, size_t len);

/* Makes room for `len` more bytes in one piece of memory, so the next writes (a whole
 * SSL_write's records) stay contiguous; 0 (with an OpenSSL error queued) when out of memory. */
int chunk_bio_reserve(BIO *bio, size_t len);

/* Frees a reserved chunk that stayed empty (an idle connection holds no buffer). */
void chunk_bio_trim(BIO *bio);

/* Appends `len` bytes of the caller's memory without copying them: `release(owner)` runs once
 * they are read (or dropped), and until then the caller keeps them alive and unchanged. Returns
 * 0 (nothing appended, release not called) when out of memory. */
int chunk_bio_borrow(BIO *bio, const unsigned char *data, size_t len, void (*release)(void *owner), void *owner);

/* Appends an empty chunk over the caller's `size` bytes at `mem`, written into like any chunk, so
 * what the next writes produce lands there (what does not fit goes to chunks of its own, after it).
 * Returns the chunk to hand to chunk_bio_unlend before `mem` is used again, or NULL (error queued)
 * when out of memory. */
void *chunk_bio_lend(BIO *bio, unsigned char *mem, size_t size);

/* Takes the lent chunk out of the queue and returns how many bytes it holds; they leave the queue
 * with it. With `keep`, they stay queued instead, copied into memory of the queue's own (0 with an
 * error queued when out of memory: then they are lost). */
size_t chunk_bio_unlend(BIO *bio, void *lent, int keep, int *ok);

/* Keeps the first `keep` bytes held and drops the rest (nothing when fewer are held). */
void chunk_bio_truncate(BIO *bio, size_t keep);

/* Moves up to `len` bytes to `out`; returns how many. */
size_t chunk_bio_take(BIO *bio, unsigned char *out, size_t len);

/* From now on an empty queue reads as end of file instead of "retry later". */
void chunk_bio_set_eof(BIO *bio);

/* Whether end of file was signalled. */
int chunk_bio_eof(BIO *bio);

/* Frees the emptied read-sized chunks this thread keeps for reuse (at environment teardown);
 * chunks freed after it (connection finalizers) are not kept. */
void chunk_bio_free_spares(void);

/* How many chunks this thread has allocated with malloc so far (reused ones not counted). */
size_t chunk_bio_allocations(void);

#endif
