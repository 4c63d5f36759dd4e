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

/* Emptied read-sized chunks kept for reuse (see READ_CHUNK_SIZE), and a count of mallocs. */
static _Thread_local Chunk *spares[READ_CHUNK_SPARES];
static _Thread_local int spare_count;
static _Thread_local size_t allocations;
/* Set once the thread's environment freed its spares: connection finalizers run after that
 * cleanup hook when a worker ends, and a chunk kept then would die with the thread. */
static _Thread_local int spares_closed;

typedef struct {
  Chunk *head;
  Chunk *tail;
  size_t pending;
  int eof;
} Queue;

static Queue *queue_of(BIO *bio) { return BIO_get_data(bio); }

static int is_spare_kind(const Chunk *chunk) { return chunk->data == chunk->storage && chunk->size == READ_CHUNK_SIZE; }

static void chunk_free(Chunk *chunk) {
  if (chunk->release != NULL) chunk->release(chunk->owner);
  if (!spares_closed && is_spare_kind(chunk) && spare_count < READ_CHUNK_SPARES) spares[spare_count++] = chunk;
  else free(chunk);
}

void chunk_bio_free_spares(void) {
  spares_closed = 1;
  while (spare_count > 0) free(spares[--spare_count]);
}

size_t chunk_bio_allocations(void) { return allocations; }

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
  Chunk *chunk;
  if (size > CHUNK_SIZE && size <= READ_CHUNK_SIZE) {
    size = READ_CHUNK_SIZE;
    chunk = spare_count > 0 ? spares[--spare_count] : NULL;
  } else {
    chunk = NULL;
  }
  if (chunk == NULL) {
    chunk = size > SIZE_MAX - sizeof(Chunk) ? NULL : malloc(sizeof(Chunk) + size);
    if (chunk == NULL) {
      ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
      return NULL;
    }
    allocations++;
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

void chunk_bio_truncate(BIO *bio, size_t keep) {
  Queue *queue = queue_of(bio);
  if (keep >= queue->pending) return;
  if (keep == 0) {
    queue_clear(queue);
    return;
  }
  Chunk *last = queue->head;
  size_t held = last->end - last->start;
  while (held < keep) {
    last = last->next;
    held += last->end - last->start;
  }
  last->end -= held - keep; /* a borrowed chunk gets no room from this: room_of gives it none */
  Chunk *rest = last->next;
  last->next = NULL;
  queue->tail = last;
  queue->pending = keep;
  while (rest != NULL) {
    Chunk *next = rest->next;
    chunk_free(rest);
    rest = next;
  }
}

size_t chunk_bio_pending(BIO *bio) { return queue_of(bio)->pending; }

void chunk_bio_set_eof(BIO *bio) { queue_of(bio)->eof = 1; }

int chunk_bio_eof(BIO *bio) { return queue_of(bio)->eof; }

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
  *read = chunk_bio_take(bio, (unsigned char *)out, len);
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
