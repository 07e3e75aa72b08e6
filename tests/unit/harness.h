/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Test helpers: run bytes through the parser in pieces of a given size and
 * record the events in a form two runs can be compared in (adjacent body
 * slices merged, since their cut depends on how the input was split). */
#ifndef MSRP_TEST_HARNESS_H
#define MSRP_TEST_HARNESS_H

#include <msrp/parser.h>

#include <stddef.h>
#include <stdint.h>

typedef struct rec_event {
  msrp_event_type type;
  char *text;    /* HEADERS: the chunk's serialized head; BODY: the bytes */
  int chunk_err; /* HEADERS: msrp_chunk_error() of the chunk */
  size_t len;
  uint64_t offset;
  char flag;
  unsigned segment;
  msrp_byte_range range;
  size_t chunk_index; /* which chunk of the recording */
} rec_event;

typedef struct recording {
  rec_event *ev;
  size_t n;
  size_t cap;
  msrp_chunk **chunks; /* taken at HEADERS, in order */
  size_t nchunks;
  int err;          /* 0, or the error execute returned */
  uint64_t err_pos; /* msrp_parser_position() at the error */
} recording;

typedef struct parse_opts {
  const msrp_parser_limits *limits; /* NULL: defaults */
  size_t segment_size;              /* 0 here means none */
  int segment_zero;                 /* set to use segment size 0 */
} parse_opts;

/* Feed `len` bytes in pieces of `step` bytes (0: all at once). */
void record_parse(const void *in, size_t len, size_t step,
                  const parse_opts *opts, recording *out);
/* Feed `len` bytes in pieces of random sizes from 1 to `max_step`, drawn
 * from a generator seeded with `seed` (the same seed, the same pieces). */
void record_parse_random(const void *in, size_t len, size_t max_step,
                         uint64_t seed, const parse_opts *opts, recording *out);
void recording_free(recording *r);

/* Asserts (cmocka) that two recordings are identical. */
void assert_recordings_equal(const recording *a, const recording *b);

/* Parse whole and one byte at a time, assert both give identical events,
 * and return the whole-input recording in *out. */
void parse_both(const void *in, size_t len, const parse_opts *opts,
                recording *out);

/* The body of chunk `i` (merged BODY events) as one malloc'd buffer;
 * *len gets its length. */
char *recording_body(const recording *r, size_t i, size_t *len);

/* Serialize every chunk of the recording again (body and flag from its
 * events) and return the concatenation (malloc'd). */
char *reserialize(const recording *r, size_t *len);

/* Read a whole file (malloc'd); aborts the test on failure. */
char *read_file(const char *path, size_t *len);

#endif
