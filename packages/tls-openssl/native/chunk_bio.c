#include "chunk_bio.h"

#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

typedef struct Chunk {
  struct Chunk *next;
  unsigned char *data; /* `storage`, or memory borrowed from the caller */
  size_t start;        /* first byte not yet taken */
  size_t end;          /* one past the last byte written */
  size_t size;
  void (*release)(void *owner); /* borrowed memory: called once the chunk is read or dropped */
  void *owner;
  unsigned char storage[];
} Chunk;

typedef struct {
  Chunk *head;
  Chunk *tail;
  size_t pending;
  int eof;
  int whole_records; /* reads give OpenSSL whole TLS records only (chunk_bio_whole_records) */
  size_t record_left; /* bytes of the record being read not taken yet (0: at a record header) */
} Queue;

static Queue *queue_of(BIO *bio) { return BIO_get_data(bio); }

static void chunk_free(Chunk *chunk) {
  if (chunk->release != NULL) chunk->release(chunk->owner);
  free(chunk);
}

static void queue_clear(Queue *queue) {
  Chunk *chunk = queue->head;
  while (chunk != NULL) {
    Chunk *next = chunk->next;
    chunk_free(chunk);
    chunk = next;
  }
  queue->head = queue->tail = NULL;
  queue->pending = 0;
}

static void queue_push(Queue *queue, Chunk *chunk) {
  if (queue->tail == NULL) queue->head = chunk;
  else queue->tail->next = chunk;
  queue->tail = chunk;
}

/* A chunk with `size` bytes of its own storage; NULL (error queued) when out of memory. */
static Chunk *chunk_new(size_t size) {
  Chunk *chunk = size > SIZE_MAX - sizeof(Chunk) ? NULL : malloc(sizeof(Chunk) + size);
  if (chunk == NULL) {
    ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
    return NULL;
  }
  chunk->next = NULL;
  chunk->data = chunk->storage;
  chunk->start = chunk->end = 0;
  chunk->size = size;
  chunk->release = NULL;
  chunk->owner = NULL;
  return chunk;
}

static size_t room_of(const Chunk *tail) { return tail == NULL || tail->release != NULL ? 0 : tail->size - tail->end; }

int chunk_bio_reserve(BIO *bio, size_t len) {
  Queue *queue = queue_of(bio);
  if (len <= room_of(queue->tail)) return 1;
  Chunk *fresh = chunk_new(len > CHUNK_SIZE ? len : CHUNK_SIZE);
  if (fresh == NULL) return 0;
  queue_push(queue, fresh);
  return 1;
}

void chunk_bio_trim(BIO *bio) {
  Queue *queue = queue_of(bio);
  Chunk *tail = queue->tail;
  if (tail == NULL || tail->end != tail->start) return;
  Chunk *before = NULL;
  for (Chunk *chunk = queue->head; chunk != tail; chunk = chunk->next) before = chunk;
  if (before == NULL) queue->head = NULL;
  else before->next = NULL;
  queue->tail = before;
  chunk_free(tail);
}

int chunk_bio_borrow(BIO *bio, const unsigned char *data, size_t len, void (*release)(void *owner), void *owner) {
  Queue *queue = queue_of(bio);
  Chunk *chunk = chunk_new(0);
  if (chunk == NULL) return 0;
  chunk->data = (unsigned char *)data;
  chunk->end = chunk->size = len;
  chunk->release = release;
  chunk->owner = owner;
  queue_push(queue, chunk);
  queue->pending += len;
  return 1;
}

int chunk_bio_append(BIO *bio, const unsigned char *data, size_t len) {
  Queue *queue = queue_of(bio);
  if (len == 0) return 1;
  Chunk *tail = queue->tail;
  size_t room = room_of(tail);
  Chunk *fresh = NULL;
  /* Allocated before anything is copied, so a failure leaves the queue as it was. */
  if (len > room && (fresh = chunk_new(len - room > CHUNK_SIZE ? len - room : CHUNK_SIZE)) == NULL) return 0;
  size_t first = len < room ? len : room;
  if (first > 0) {
    memcpy(tail->data + tail->end, data, first);
    tail->end += first;
  }
  if (fresh != NULL) {
    memcpy(fresh->data, data + first, len - first);
    fresh->end = len - first;
    queue_push(queue, fresh);
  }
  queue->pending += len;
  return 1;
}

void *chunk_bio_lend(BIO *bio, unsigned char *mem, size_t size) {
  Chunk *chunk = chunk_new(0);
  if (chunk == NULL) return NULL;
  chunk->data = mem;
  chunk->size = size;
  queue_push(queue_of(bio), chunk);
  return chunk;
}

size_t chunk_bio_unlend(BIO *bio, void *lent, int keep, int *ok) {
  Queue *queue = queue_of(bio);
  Chunk *chunk = lent;
  size_t held = chunk->end - chunk->start;
  *ok = 1;
  Chunk *before = NULL;
  for (Chunk *each = queue->head; each != chunk; each = each->next) before = each;
  Chunk *replacement = chunk->next;
  if (keep && held > 0) {
    Chunk *own = chunk_new(held);
    if (own == NULL) *ok = 0;
    else {
      memcpy(own->data, chunk->data + chunk->start, held);
      own->end = held;
      own->next = chunk->next;
      replacement = own;
    }
  }
  if (!keep || *ok == 0) queue->pending -= held;
  if (before == NULL) queue->head = replacement;
  else before->next = replacement;
  if (queue->tail == chunk) queue->tail = replacement != NULL && replacement->next == NULL ? replacement : before;
  free(chunk);
  return held;
}

size_t chunk_bio_take(BIO *bio, unsigned char *out, size_t len) {
  Queue *queue = queue_of(bio);
  size_t total = 0;
  while (total < len && queue->head != NULL) {
    Chunk *head = queue->head;
    size_t available = head->end - head->start;
    size_t n = available < len - total ? available : len - total;
    memcpy(out + total, head->data + head->start, n);
    head->start += n;
    total += n;
    if (head->start == head->end) {
      queue->head = head->next;
      if (queue->head == NULL) queue->tail = NULL;
      chunk_free(head);
    }
  }
  queue->pending -= total;
  return total;
}

size_t chunk_bio_pending(BIO *bio) { return queue_of(bio)->pending; }

/* A cursor over the queued bytes, from the head. */
typedef struct {
  const Chunk *chunk;
  size_t at; /* index into chunk->data */
} Cursor;

/* Copies `len` bytes at the cursor to `out` and moves past them; 0 when fewer are queued. */
static int cursor_read(Cursor *cursor, unsigned char *out, size_t len) {
  while (len > 0) {
    if (cursor->chunk == NULL) return 0;
    size_t available = cursor->chunk->end - cursor->at;
    size_t n = available < len ? available : len;
    if (out != NULL) {
      memcpy(out, cursor->chunk->data + cursor->at, n);
      out += n;
    }
    cursor->at += n;
    len -= n;
    if (cursor->at == cursor->chunk->end) {
      cursor->chunk = cursor->chunk->next;
      cursor->at = cursor->chunk == NULL ? 0 : cursor->chunk->start;
    }
  }
  return 1;
}

size_t chunk_bio_record_bytes(BIO *bio, unsigned char type, size_t overhead, size_t cap) {
  Queue *queue = queue_of(bio);
  Cursor cursor = {queue->head, queue->head == NULL ? 0 : queue->head->start};
  size_t left = queue->pending;
  size_t total = 0;
  unsigned char header[5];
  while (total < cap && left >= sizeof header && cursor_read(&cursor, header, sizeof header)) {
    size_t body = (size_t)header[3] << 8 | header[4];
    if (body > left - sizeof header) break; /* not all here yet */
    if (header[0] == type && body > overhead) total += body - overhead;
    left -= sizeof header + body;
    if (!cursor_read(&cursor, NULL, body)) break;
  }
  return total < cap ? total : cap;
}

/* The size of the record whose header begins the queue (header included); 0 when fewer than a
 * header's 5 bytes are queued; SIZE_MAX when they are no TLS record header (a content type of
 * 20-24, version 3.x, at most 2^14 + 2048 bytes: RFC 8446 5.1, RFC 5246 6.2.3): OpenSSL refuses it. */
static size_t record_size_at_head(Queue *queue) {
  if (queue->pending < 5) return 0;
  Cursor cursor = {queue->head, queue->head->start};
  unsigned char header[5];
  cursor_read(&cursor, header, sizeof header);
  size_t body = (size_t)header[3] << 8 | header[4];
  if (header[0] < 20 || header[0] > 24 || header[1] != 3 || body > 16384 + 2048) return SIZE_MAX;
  return 5 + body;
}

void chunk_bio_whole_records(BIO *bio) {
  Queue *queue = queue_of(bio);
  queue->whole_records = 1;
  queue->record_left = 0;
}

void chunk_bio_set_eof(BIO *bio) { queue_of(bio)->eof = 1; }

/* ---------- the BIO_METHOD ---------- */

static int bio_write_ex(BIO *bio, const char *data, size_t len, size_t *written) {
  BIO_clear_retry_flags(bio);
  if (!chunk_bio_append(bio, (const unsigned char *)data, len)) return 0;
  *written = len;
  return 1;
}

static int bio_read_ex(BIO *bio, char *out, size_t len, size_t *read) {
  Queue *queue = queue_of(bio);
  BIO_clear_retry_flags(bio);
  if (queue->pending == 0) {
    /* Until end of file is signalled, an empty queue means "the network has not delivered yet". */
    *read = 0;
    if (!queue->eof) BIO_set_retry_read(bio);
    return 0;
  }
  if (queue->whole_records && queue->record_left == 0 && !queue->eof) {
    /* At a record header: nothing until the whole record is here (OpenSSL then never holds part of
     * one, and the queue always begins at a header: chunk_bio_record_bytes relies on it). */
    size_t size = record_size_at_head(queue);
    if (size != SIZE_MAX) {
      if (size == 0 || queue->pending < size) {
        *read = 0;
        BIO_set_retry_read(bio);
        return 0;
      }
      queue->record_left = size;
    }
  }
  *read = chunk_bio_take(bio, (unsigned char *)out, len);
  queue->record_left -= *read < queue->record_left ? *read : queue->record_left;
  return 1;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)num;
  (void)ptr;
  Queue *queue = queue_of(bio);
  switch (cmd) {
    case BIO_CTRL_PENDING:
      return (long)queue->pending;
    case BIO_CTRL_EOF:
      return queue->eof && queue->pending == 0;
    case BIO_CTRL_RESET:
      queue_clear(queue);
      return 1;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      return 0;
  }
}

static int bio_create(BIO *bio) {
  Queue *queue = calloc(1, sizeof *queue);
  if (queue == NULL) return 0;
  BIO_set_data(bio, queue);
  BIO_set_init(bio, 1);
  return 1;
}

static int bio_destroy(BIO *bio) {
  Queue *queue = queue_of(bio);
  if (queue == NULL) return 0;
  queue_clear(queue);
  free(queue);
  BIO_set_data(bio, NULL);
  return 1;
}

/* One method for the whole process (it is immutable once built); never freed, as BIOs of any
 * thread may use it until the process ends. */
static BIO_METHOD *method;
static CRYPTO_ONCE method_once = CRYPTO_ONCE_STATIC_INIT;

static void build_method(void) {
  BIO_METHOD *built = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "unitls chunk queue");
  if (built == NULL) return;
  if (!BIO_meth_set_write_ex(built, bio_write_ex) || !BIO_meth_set_read_ex(built, bio_read_ex) ||
      !BIO_meth_set_ctrl(built, bio_ctrl) || !BIO_meth_set_create(built, bio_create) ||
      !BIO_meth_set_destroy(built, bio_destroy)) {
    BIO_meth_free(built);
    return;
  }
  method = built;
}

BIO *chunk_bio_new(void) {
  if (!CRYPTO_THREAD_run_once(&method_once, build_method) || method == NULL) {
    ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
    return NULL;
  }
  return BIO_new(method);
}
