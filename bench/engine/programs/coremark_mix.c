/* A CoreMark-style mix written for this project (not CoreMark's code): the
 * three kinds of work a small controller does most, in one loop.
 *   - lists: find, reverse and merge-sort a singly linked list (pointer
 *     chasing, unpredictable branches);
 *   - matrices: multiply and add small int16 matrices into int32 (nested
 *     loops, multiply-accumulate);
 *   - a state machine classifying the numbers in a text ("12", "-3.5",
 *     "6e2", junk) byte by byte (switch on state, character classes).
 * Every step's result is folded into a CRC-16, printed at the end.
 *
 * Usage: coremark_mix [iterations]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- CRC-16/CCITT, bitwise: the accumulator for every result ---- */

static uint16_t crc16_byte(uint16_t crc, uint8_t b) {
  crc ^= (uint16_t)b << 8;
  for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v) {
  for (int i = 0; i < 4; i++) crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
  return crc;
}

/* ---- linked list ---- */

#define LIST_NODES 200

typedef struct Node {
  struct Node* next;
  int16_t value;
  uint16_t index;
} Node;

static Node pool[LIST_NODES];

static Node* list_build(uint32_t seed) {
  Node* head = NULL;
  for (int i = LIST_NODES - 1; i >= 0; i--) {
    seed = seed * 1103515245u + 12345u;
    pool[i].value = (int16_t)((seed >> 16) & 0x7FFF) - 0x4000;
    pool[i].index = (uint16_t)i;
    pool[i].next = head;
    head = &pool[i];
  }
  return head;
}

static Node* list_find(Node* n, int16_t value) {
  for (; n != NULL; n = n->next)
    if (n->value == value) return n;
  return NULL;
}

static Node* list_reverse(Node* n) {
  Node* prev = NULL;
  while (n != NULL) {
    Node* next = n->next;
    n->next = prev;
    prev = n;
    n = next;
  }
  return prev;
}

typedef int (*NodeCompare)(const Node*, const Node*);

static int by_value(const Node* a, const Node* b) { return a->value - b->value; }
static int by_index(const Node* a, const Node* b) { return (int)a->index - (int)b->index; }

/* Bottom-up merge sort: runs of width 1, 2, 4, ... merged in place. Stable. */
static Node* list_sort(Node* head, NodeCompare cmp) {
  for (int width = 1;; width *= 2) {
    Node* p = head;
    Node* tail = NULL;
    head = NULL;
    int merges = 0;
    while (p != NULL) {
      merges++;
      Node* q = p;
      int psize = 0;
      for (int i = 0; i < width && q != NULL; i++) {
        psize++;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q != NULL)) {
        Node* e;
        if (psize == 0) {
          e = q; q = q->next; qsize--;
        } else if (qsize == 0 || q == NULL || cmp(p, q) <= 0) {
          e = p; p = p->next; psize--;
        } else {
          e = q; q = q->next; qsize--;
        }
        if (tail != NULL) tail->next = e;
        else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = NULL;
    if (merges <= 1) return head;
  }
}

static uint16_t list_work(uint16_t crc, uint32_t seed) {
  Node* head = list_build(seed);
  int found = 0;
  for (int i = 0; i < 16; i++) {
    Node* n = list_find(head, pool[(i * 37) % LIST_NODES].value);
    if (n != NULL) found += n->index;
  }
  head = list_reverse(head);
  head = list_sort(head, by_value);
  int32_t ordered = 1;
  for (Node* n = head; n->next != NULL; n = n->next) ordered &= n->value <= n->next->value;
  uint32_t signature = 0;
  for (Node* n = head; n != NULL; n = n->next) signature = signature * 31 + n->index;
  head = list_sort(head, by_index);
  uint32_t restored = head->index == 0;
  crc = crc16_u32(crc, (uint32_t)found);
  crc = crc16_u32(crc, signature);
  crc = crc16_u32(crc, (uint32_t)ordered | restored << 1);
  return crc;
}

/* ---- matrices ---- */

#define DIM 12

static uint16_t matrix_work(uint16_t crc, uint32_t seed) {
  int16_t a[DIM][DIM], b[DIM][DIM];
  int32_t c[DIM][DIM];
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      seed = seed * 1664525u + 1013904223u;
      a[i][j] = (int16_t)((seed >> 20) & 0xFF) - 128;
      b[i][j] = (int16_t)((seed >> 8) & 0xFF) - 128;
    }
  /* c = a * b, then a += constant, c += a (element-wise), then column sums. */
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      int32_t s = 0;
      for (int k = 0; k < DIM; k++) s += (int32_t)a[i][k] * b[k][j];
      c[i][j] = s;
    }
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      a[i][j] = (int16_t)(a[i][j] + 7);
      c[i][j] += a[i][j];
    }
  for (int j = 0; j < DIM; j++) {
    int32_t col = 0;
    for (int i = 0; i < DIM; i++) col += c[i][j] ^ (c[i][j] >> 3);
    crc = crc16_u32(crc, (uint32_t)col);
  }
  return crc;
}

/* ---- number scanner ---- */

enum State { START, SIGN, INT, DOT, FRAC, EXP, EXP_SIGN, EXP_DIGITS, BAD };
enum { KIND_INT, KIND_FLOAT, KIND_SCI, KIND_BAD, KIND_COUNT };

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* Classifies one token [p, end). */
static int classify(const char* p, const char* end) {
  enum State s = START;
  for (; p < end; p++) {
    char ch = *p;
    switch (s) {
      case START: s = (ch == '-' || ch == '+') ? SIGN : is_digit(ch) ? INT : ch == '.' ? DOT : BAD; break;
      case SIGN: s = is_digit(ch) ? INT : ch == '.' ? DOT : BAD; break;
      case INT: s = is_digit(ch) ? INT : ch == '.' ? DOT : (ch == 'e' || ch == 'E') ? EXP : BAD; break;
      case DOT: s = is_digit(ch) ? FRAC : BAD; break;
      case FRAC: s = is_digit(ch) ? FRAC : (ch == 'e' || ch == 'E') ? EXP : BAD; break;
      case EXP: s = (ch == '-' || ch == '+') ? EXP_SIGN : is_digit(ch) ? EXP_DIGITS : BAD; break;
      case EXP_SIGN: s = is_digit(ch) ? EXP_DIGITS : BAD; break;
      case EXP_DIGITS: s = is_digit(ch) ? EXP_DIGITS : BAD; break;
      case BAD: return KIND_BAD;
    }
  }
  switch (s) {
    case INT: return KIND_INT;
    case FRAC: return KIND_FLOAT;
    case EXP_DIGITS: return KIND_SCI;
    default: return KIND_BAD;
  }
}

#define TEXT_BYTES 1024

static uint16_t scan_work(uint16_t crc, uint32_t seed) {
  static const char* const pieces[] = {"42", "-17", "3.25", "+0.5", "6e3", "-1.5E-2", "12a",
                                       ".", "9.", "1e", "+", "0", "777", "2.718", "-0.001e+9"};
  const int n_pieces = (int)(sizeof pieces / sizeof pieces[0]);
  char text[TEXT_BYTES];
  int len = 0;
  for (;;) {
    seed = seed * 1103515245u + 12345u;
    const char* piece = pieces[(seed >> 16) % (uint32_t)n_pieces];
    int plen = 0;
    while (piece[plen]) plen++;
    if (len + plen + 1 >= TEXT_BYTES) break;
    for (int i = 0; i < plen; i++) text[len++] = piece[i];
    text[len++] = ',';
  }
  uint32_t counts[KIND_COUNT] = {0};
  int start = 0;
  for (int i = 0; i < len; i++)
    if (text[i] == ',') {
      counts[classify(text + start, text + i)]++;
      start = i + 1;
    }
  for (int k = 0; k < KIND_COUNT; k++) crc = crc16_u32(crc, counts[k]);
  return crc;
}

int main(int argc, char** argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 8000;
  uint16_t crc_list = 0, crc_matrix = 0, crc_scan = 0;
  for (long i = 0; i < iterations; i++) {
    uint32_t seed = (uint32_t)i * 2654435761u;
    crc_list = list_work(crc_list, seed);
    crc_matrix = matrix_work(crc_matrix, seed);
    crc_scan = scan_work(crc_scan, seed);
  }
  uint16_t total = crc16_u32(crc16_u32(crc16_u32(0, crc_list), crc_matrix), crc_scan);
  printf("coremark_mix iterations=%ld\n", iterations);
  printf("crc list=%04x matrix=%04x scan=%04x\n", crc_list, crc_matrix, crc_scan);
  printf("crc total=%04x\n", total);
  return 0;
}
