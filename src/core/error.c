/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
#include <msrp/version.h>
#include <msrp/common.h>

#include <stddef.h>

typedef struct {
  int code;
  const char *name;
  const char *text;
} err_entry;

#define E(code, text)                                                          \
  { code, #code, text }
static const err_entry errors[] = {
    E(MSRP_OK, "success"),
    E(MSRP_ERR_NOMEM, "out of memory"),
    E(MSRP_ERR_INVALID_ARGUMENT, "invalid argument"),
    E(MSRP_ERR_NOT_FOUND, "not found"),
    E(MSRP_ERR_RANDOM, "the random number generator failed"),
    E(MSRP_ERR_BODY_HAS_END_LINE, "the body contains the chunk's own end-line"),
    E(MSRP_ERR_URI_SCHEME, "URI scheme is not msrp or msrps"),
    E(MSRP_ERR_URI_SYNTAX,
      "URI is not scheme://authority[/session-id];transport"),
    E(MSRP_ERR_URI_USERINFO, "URI userinfo has a bad character or escape"),
    E(MSRP_ERR_URI_HOST, "URI host is empty or malformed"),
    E(MSRP_ERR_URI_IPV6, "URI IPv6 literal is malformed"),
    E(MSRP_ERR_URI_PORT, "URI port is not a number from 1 to 65535"),
    E(MSRP_ERR_URI_SESSION_ID, "URI session-id has a bad character"),
    E(MSRP_ERR_URI_TRANSPORT, "URI has no ;transport parameter"),
    E(MSRP_ERR_URI_PARAM, "URI parameter is malformed"),
    E(MSRP_ERR_PARSE_START_LINE,
      "start line is not \"MSRP <tid> <method>\" or \"MSRP <tid> <code> "
      "[comment]\", or the comment holds a control character"),
    E(MSRP_ERR_PARSE_TRANSACTION_ID,
      "transaction id is not an ident (a letter or digit, then ident "
      "characters; 4 to 32 of them in a chunk built here)"),
    E(MSRP_ERR_PARSE_METHOD,
      "method name is not a token (upper-case letters, for one we send)"),
    E(MSRP_ERR_PARSE_STATUS_CODE, "status code is not three digits"),
    E(MSRP_ERR_PARSE_HEADER, "header line is not \"Name: value\" with a "
                             "token name and no control character"),
    E(MSRP_ERR_PARSE_LINE_ENDING, "line does not end in CRLF"),
    E(MSRP_ERR_PARSE_MISSING_TO_PATH, "To-Path header is missing"),
    E(MSRP_ERR_PARSE_MISSING_FROM_PATH, "From-Path header is missing"),
    E(MSRP_ERR_PARSE_PATH, "a path header holds a malformed URI"),
    E(MSRP_ERR_PARSE_BYTE_RANGE, "Byte-Range is not start-end/total"),
    E(MSRP_ERR_PARSE_STATUS_HEADER,
      "Status header is not \"namespace code [reason]\""),
    E(MSRP_ERR_PARSE_END_LINE_TID,
      "end-line transaction id does not match the start line"),
    E(MSRP_ERR_PARSE_END_LINE_FLAG,
      "end-line continuation flag is missing or not $, + or #"),
    E(MSRP_ERR_PARSE_REPORT_HEADER,
      "Success-Report or Failure-Report has a bad value"),
    E(MSRP_ERR_PARSE_NUMBER_HEADER,
      "Expires, Min-Expires or Max-Expires is not a number"),
    E(MSRP_ERR_PARSE_DUPLICATE_HEADER,
      "a header that may appear once appears twice"),
    E(MSRP_ERR_PARSE_MESSAGE_ID, "Message-ID is empty"),
    E(MSRP_ERR_LIMIT_HEADER_BYTES,
      "start line and headers exceed the size limit"),
    E(MSRP_ERR_LIMIT_HEADER_COUNT, "too many header lines"),
    E(MSRP_ERR_LIMIT_PATH_LENGTH, "too many URIs in one path"),
    E(MSRP_ERR_LIMIT_TID_LENGTH, "transaction id exceeds the length limit"),
    E(MSRP_ERR_LIMIT_METHOD_LENGTH, "method name exceeds the length limit"),
    E(MSRP_ERR_PARSER_FAILED, "the parser failed earlier and cannot go on"),
    E(MSRP_ERR_CANCELLED, "cancelled: its object was closed"),
    E(MSRP_ERR_CONNECTION_CLOSED, "the peer closed the connection"),
    E(MSRP_ERR_CLOSED_MID_CHUNK,
      "the peer closed the connection in the middle of a chunk"),
    E(MSRP_ERR_IO, "socket error"),
    E(MSRP_ERR_CONNECT, "could not connect to the peer"),
    E(MSRP_ERR_RESOLVE, "the host name could not be resolved"),
    E(MSRP_ERR_TLS_HANDSHAKE, "the TLS handshake failed"),
    E(MSRP_ERR_TLS_VERIFY, "the peer's TLS certificate could not be verified"),
    E(MSRP_ERR_TLS_FINGERPRINT,
      "the peer's TLS certificate does not match the expected fingerprint"),
    E(MSRP_ERR_TLS_CONFIG, "the TLS certificate, key or CA file is unusable"),
    E(MSRP_ERR_BIND_TIMEOUT,
      "the session was not bound within the bind timeout"),
    E(MSRP_ERR_BIND_REFUSED, "the peer refused the binding SEND"),
    E(MSRP_ERR_BIND_PATH, "the binding SEND's paths are not this session's"),
    E(MSRP_ERR_ADDRESS_IN_USE, "the local address is already in use"),
    E(MSRP_ERR_BUSY, "that operation is already in progress"),
    E(MSRP_ERR_TIMEOUT, "the operation timed out"),
    E(MSRP_ERR_CLOSED, "the object is closed"),
    E(MSRP_ERR_ADDRESS, "the local address cannot be used"),
    E(MSRP_ERR_NOT_SUPPORTED, "not supported"),
    E(MSRP_ERR_WEBSOCKET, "the WebSocket handshake or framing failed"),
    E(MSRP_ERR_BIND_BACKLOG,
      "the peer sent more requests than are kept before answering the "
      "binding"),
    E(MSRP_ERR_WOULD_BLOCK, "the outgoing queue is full; wait until it drains"),
    E(MSRP_ERR_MESSAGE_ABORTED, "the message was aborted"),
    E(MSRP_ERR_MESSAGE_REFUSED, "the message was refused (413)"),
    E(MSRP_ERR_TRANSACTION, "the request got a failure response"),
    E(MSRP_ERR_NO_REPORT,
      "no REPORT about the message came within the report timeout"),
    E(MSRP_ERR_OUTPUT_FULL,
      "the peer does not read what is sent to it: output limit passed"),
    E(MSRP_ERR_MESSAGE_EXPIRED,
      "an incomplete incoming message received nothing for the idle "
      "timeout"),
    E(MSRP_ERR_MESSAGE_CORRUPT,
      "a chunk's body disagreed with its Byte-Range or with bytes already "
      "received"),
    E(MSRP_ERR_RELAY_AUTH, "the relay refused to authenticate the session"),
    E(MSRP_ERR_CHAT_PRIVATE,
      "the remote party does not accept private messages (it is no room "
      "that allows them, or takes no CPIM)"),
    E(MSRP_ERR_CHAT_TYPE,
      "the remote party accepts no message of this content type"),
    E(MSRP_ERR_SDP_SYNTAX, "a malformed SDP line or value"),
    E(MSRP_ERR_SDP_DUPLICATE, "an SDP attribute allowed once appears twice"),
    E(MSRP_ERR_SDP_PATH, "the SDP a=path holds a malformed MSRP URI"),
    E(MSRP_ERR_MEDIA_TYPE,
      "a media type is not \"*\", \"type/*\" or \"type/subtype\""),
    E(MSRP_ERR_CPIM_SYNTAX, "malformed Message/CPIM headers"),
    E(MSRP_ERR_CPIM_LIMIT, "Message/CPIM headers beyond the limits"),
    E(MSRP_ERR_DIGEST_SYNTAX,
      "a malformed HTTP Digest challenge or credentials"),
    E(MSRP_ERR_DIGEST_STALE, "the Digest nonce is past its lifetime"),
    E(MSRP_ERR_XML, "a malformed or unexpected XML document"),
    E(MSRP_ERR_FILE_HASH,
      "the file's SHA-1 does not match the one its selector announced"),
    E(MSRP_ERR_FILE_IO, "reading or writing the file failed"),
    E(MSRP_ERR_FILE_SIZE, "the peer sent more than the announced file size"),
    E(MSRP_ERR_FILE_INCOMPLETE,
      "the transfer ended before the whole file had arrived"),
    E(MSRP_ERR_FILE_REFUSED, "the peer refused the file"),
};
#undef E

static const err_entry *find(int code) {
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == code)
      return &errors[i];
  return NULL;
}

const char *msrp_version(void) {
  return MSRP_VERSION_STRING;
}

const char *msrp_strerror(int err) {
  const err_entry *e = find(err);
  return e ? e->text : "unknown error";
}

const char *msrp_errname(int err) {
  const err_entry *e = find(err);
  return e ? e->name : "MSRP_ERR_UNKNOWN";
}

const char *msrp_status_comment(int code) {
  switch (code) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Recipient Unknown";
  case 408:
    return "Request Timeout";
  case 413:
    return "Stop Sending Message";
  case 415:
    return "Unsupported Media Type";
  case 423:
    return "Interval Out-of-Bounds";
  case 424:
    return "Malformed Nickname";
  case 425:
    return "Nickname Reserved or Already in Use";
  case 428:
    return "Private Messages Not Supported";
  case 481:
    return "Session Does Not Exist";
  case 501:
    return "Unknown Method";
  case 506:
    return "Session Already Bound";
  default:
    return "Unknown";
  }
}

int msrp_is_fatal(int err) {
  switch (err) {
  case MSRP_ERR_NOMEM:
  case MSRP_ERR_PARSE_START_LINE:
  case MSRP_ERR_PARSE_TRANSACTION_ID:
  case MSRP_ERR_PARSE_METHOD:
  case MSRP_ERR_PARSE_STATUS_CODE:
  case MSRP_ERR_PARSE_HEADER:
  case MSRP_ERR_PARSE_LINE_ENDING:
  case MSRP_ERR_PARSE_END_LINE_TID:
  case MSRP_ERR_PARSE_END_LINE_FLAG:
  case MSRP_ERR_LIMIT_HEADER_BYTES:
  case MSRP_ERR_LIMIT_HEADER_COUNT:
  case MSRP_ERR_LIMIT_PATH_LENGTH:
  case MSRP_ERR_LIMIT_TID_LENGTH:
  case MSRP_ERR_LIMIT_METHOD_LENGTH:
  case MSRP_ERR_PARSER_FAILED:
  case MSRP_ERR_CONNECTION_CLOSED:
  case MSRP_ERR_CLOSED_MID_CHUNK:
  case MSRP_ERR_IO:
  case MSRP_ERR_TLS_HANDSHAKE:
  case MSRP_ERR_TLS_VERIFY:
  case MSRP_ERR_TLS_FINGERPRINT:
  case MSRP_ERR_OUTPUT_FULL:
    return 1;
  default:
    return 0;
  }
}
