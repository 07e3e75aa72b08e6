/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* msrp — MSRP chat from the command line, on libmsrp's public API.
 *
 * Two terminals talk without SIP: each side prints its MSRP path (or its
 * SDP media) and reads the other's, exactly what a SIP offer and answer
 * would carry. See `msrp chat --help` and docs/msrp.1.
 */
#include <msrp/version.h>
#include <msrp/chat.h>
#include <msrp/desktop_sharing.h>
#include <msrp/file_transfer.h>
#include <msrp/sdp.h>

#include "load.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char usage_chat[] =
    "usage: msrp chat [OPTIONS] [MESSAGE...]\n"
    "\n"
    "Chat over MSRP with one peer. This side prints its MSRP path (or, with\n"
    "--sdp, its SDP media) and reads the peer's, as SIP would carry them.\n"
    "\n"
    "Roles:\n"
    "  --listen              wait for the peer to connect (the default)\n"
    "  --connect             connect to the peer\n"
    "  --local-host IP       the address to use (default 127.0.0.1;\n"
    "                        0.0.0.0 or :: for every address)\n"
    "  --advertise HOST      the host our path names, if not --local-host\n"
    "                        (behind NAT, or with 0.0.0.0)\n"
    "The peer:\n"
    "  --remote TEXT         its path (msrp://...) or SDP media\n"
    "  --remote-file FILE    read it from FILE; otherwise from standard\n"
    "                        input (a path line, or SDP up to an empty line)\n"
    "  --local-file FILE     write our path/SDP to FILE, not standard output\n"
    "                        (whole at once: FILE.part, then renamed)\n"
    "  --sdp                 print our whole SDP media, not just the path\n"
    "  --cema                say a=msrp-cema (RFC 6714): with a peer that\n"
    "                        says it too, connect where its SDP's c= and\n"
    "                        m= say (an SBC may stand there)\n"
    "TLS (msrps):\n"
    "  --tls                 use TLS\n"
    "  --cert FILE --key FILE  our certificate and key (needed to listen)\n"
    "  --ca FILE             trust anchors for the peer's certificate\n"
    "  --fingerprint FP      accept the peer's certificate by its SHA-256\n"
    "                        fingerprint (\"sha-256 AB:CD:...\") instead\n"
    "A relay (RFC 4976):\n"
    "  --relay URI           msrp://IP:PORT;tcp or msrps://...; a domain\n"
    "                        without a port (msrps://example.com;tcp) is\n"
    "                        looked up in DNS SRV (_msrps._tcp.example.com);\n"
    "                        ws://HOST:PORT/PATH or wss://... for a relay\n"
    "                        reached over WebSocket (RFC 7977)\n"
    "  --dns-server ADDR     the DNS server(s) for that: IP or IP:PORT,\n"
    "                        comma-separated (default: the system's)\n"
    "  --user NAME           the relay's Digest user name\n"
    "  --password-file FILE  the password: the first line of FILE; or set\n"
    "                        MSRP_PASSWORD (--password SECRET works, but\n"
    "                        other users of this machine can read it)\n"
    "Chat rooms (RFC 7701):\n"
    "  --nickname NAME       ask the room for this nickname (a peer that is\n"
    "                        no room is told nothing); with --room, our own\n"
    "                        (a participant asking for it gets 425)\n"
    "  --room                host a room for the peer: nicknames and private\n"
    "                        messages (a=chatroom)\n"
    "Scripting:\n"
    "  --script              one line per event, no prompts; send the\n"
    "                        MESSAGE arguments (or, without any, the lines\n"
    "                        of standard input after the peer's path; a line\n"
    "                        /typing or /idle sends that is-composing state),\n"
    "                        then end; exit 0 only if every message was\n"
    "                        delivered (and a --nickname taken)\n"
    "  --expect N            also wait until N messages have been received\n"
    "  --timeout SECONDS     give up if not connected (with --script: not\n"
    "                        done) after this long (default 30)\n"
    "  --trace               the wire, and the connection's log, on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "Interactively, what the peer types shows as \"(peer is typing...)\", and\n"
    "each message's fate as \"(delivered: ...)\" and \"(read: ...)\" when the\n"
    "peer's client reports them (RFC 3994, RFC 5438).\n"
    "\n"
    "Exit status: 0 done; 1 another failure; 2 a bad command line or file;\n"
    "3 the peer or relay could not be reached or broke the connection;\n"
    "4 TLS; 5 the relay refused our credentials; 6 --timeout passed;\n"
    "7 a message was not delivered or fewer than --expect came.\n";

/* Exit codes (docs/msrp.1). */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_CONNECT = 3,
  EXIT_TLS = 4,
  EXIT_AUTH = 5,
  EXIT_TIMEOUT = 6,
  EXIT_DELIVERY = 7
};

/* The exit code a library error stands for. */
static int exit_code_of(int err) {
  switch (err) {
  case MSRP_ERR_CONNECT:
  case MSRP_ERR_RESOLVE:
  case MSRP_ERR_IO:
  case MSRP_ERR_CONNECTION_CLOSED:
  case MSRP_ERR_CLOSED_MID_CHUNK:
  case MSRP_ERR_ADDRESS:
  case MSRP_ERR_ADDRESS_IN_USE:
  case MSRP_ERR_BIND_REFUSED:
  case MSRP_ERR_BIND_PATH:
    return EXIT_CONNECT;
  case MSRP_ERR_TLS_HANDSHAKE:
  case MSRP_ERR_TLS_VERIFY:
  case MSRP_ERR_TLS_FINGERPRINT:
  case MSRP_ERR_TLS_CONFIG:
    return EXIT_TLS;
  case MSRP_ERR_RELAY_AUTH:
    return EXIT_AUTH;
  case MSRP_ERR_TIMEOUT:
  case MSRP_ERR_BIND_TIMEOUT:
    return EXIT_TIMEOUT;
  default:
    return EXIT_FAILED;
  }
}

static const char usage_main[] =
    "usage: msrp COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  chat    chat with one peer (msrp chat --help)\n"
    "  send    send a file (msrp send --help)\n"
    "  receive receive a file (msrp receive --help)\n"
    "  share   share this screen's VNC server (msrp share --help)\n"
    "  view    view the peer's screen with a local VNC viewer (msrp view "
    "--help)\n"
    "  load    sessions and messages at full speed, checked (msrp load "
    "--help)\n"
    "  help    this help\n"
    "\n"
    "  --version  the version of msrp and of the library\n";

typedef struct opts {
  bool connect, sdp, tls, script, trace, room, cema;
  const char *nickname;
  const char *dns_servers;
  const char *local_host, *advertise, *remote, *remote_file, *local_file;
  const char *cert, *key, *ca, *fingerprint;
  const char *relay, *user, *password, *password_file;
  int expect, timeout;
  char **messages;
  int nmessages;
} opts;

typedef struct app {
  opts o;
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp_chat *chat;
  FILE *out; /* our path or SDP goes here */
  char *local_sdp;
  bool started, ended, ending, peer_ended;
  int exit_code; /* the first failure's, or EXIT_OK */
  int sent, settled, delivered, received;
  uv_tty_t tty;
  uv_pipe_t pipe;
  uv_stream_t *in;
  char line[8192];
  size_t line_len;
  bool want_remote; /* the next input is the peer's path or SDP */
  char remote[8192];
  size_t remote_len;
  bool remote_is_sdp;
  bool input_done;
  uv_timer_t deadline;
  /* the terminal, one key at a time (typing is known as it happens) */
  bool keys;
  struct termios saved_termios;
  /* RFC 3994: our typing, and its timer */
  msrp_composing_sender typing;
  uv_timer_t typing_timer;
  /* the last messages sent, to name them when their fate is told */
  struct {
    char id[40];
    char text[40];
  } recent[32];
  unsigned nrecent;
  int nickname_pending; /* a NICKNAME waiting for its answer */
  /* lines read before the chat started, replayed in order on start */
  char **early;
  size_t nearly;
  uv_signal_t interrupt; /* Ctrl-C: end the chat properly */
} app;

/* A bad command line: say what, and exit 2. */
static void die(const char *what, const char *arg) {
  fprintf(stderr, "msrp: %s%s\n", what, arg ? arg : "");
  exit(EXIT_USAGE);
}

/* A file named on the command line that cannot be read: which, and why. */
static void check_readable(const char *option, const char *file) {
  FILE *f = file ? fopen(file, "r") : NULL;
  if (file && !f) {
    fprintf(stderr, "msrp: %s %s: %s\n", option, file, strerror(errno));
    exit(EXIT_USAGE);
  }
  if (f)
    fclose(f);
}

/* The first failure decides the exit code. */
static void fail_with(struct app *a, int code);

/* ---- the peer's description ------------------------------------------------
 */

/* A bare path becomes the SDP a peer with that path would have sent. */
static char *sdp_from_path(const char *path_text, bool they_listen) {
  static const char *const any[] = {"*"};
  msrp_path p = MSRP_PATH_INIT;
  msrp_sdp_media *m = NULL;
  char *sdp = NULL;
  int n = -1;
  if (msrp_path_parse(&p, path_text, strlen(path_text), 0) == 0 &&
      msrp_sdp_media_new(&m, &p, any, 1) == 0 &&
      msrp_sdp_media_set_accept_wrapped_types(m, any, 1) == 0 &&
      msrp_sdp_media_set_setup(m, they_listen ? MSRP_SDP_SETUP_PASSIVE
                                              : MSRP_SDP_SETUP_ACTIVE) == 0)
    n = msrp_sdp_media_format(m, NULL, 0);
  if (n >= 0 && (sdp = malloc((size_t)n + 1)) != NULL &&
      msrp_sdp_media_format(m, sdp, (size_t)n + 1) != n) {
    free(sdp);
    sdp = NULL;
  }
  msrp_sdp_media_free(m);
  msrp_path_clear(&p);
  return sdp;
}

static void on_deadline(uv_timer_t *t);

static void start_chat(app *a) {
  if (!a->o.script) /* a person may take their time to paste the path: the
                        deadline is for connecting, counted from now */
    uv_timer_start(&a->deadline, on_deadline, (uint64_t)a->o.timeout * 1000, 0);
  char *sdp = a->remote_is_sdp ? strdup(a->remote)
                               : sdp_from_path(a->remote, a->o.connect);
  if (!sdp) {
    fprintf(stderr,
            "msrp: the peer's path is not an MSRP path (msrp://HOST:PORT/"
            "SESSION;tcp or msrps://..., or SDP starting with m=): %s\n",
            a->remote);
    fail_with(a, EXIT_USAGE);
    msrp_chat_end(a->chat);
    return;
  }
  msrp_chat_start(a->chat, sdp);
  free(sdp);
}

/* ---- standard input: the peer's path, then messages ------------------------
 */

/* Output while a line is being typed: clear it, print, show it again. */
static void above_input(app *a) {
  if (a->keys && a->line_len)
    fputs("\r\033[K", stdout);
}

static void below_output(app *a) {
  if (a->keys && a->line_len) {
    fwrite(a->line, 1, a->line_len, stdout);
  }
  fflush(stdout);
}

static void send_typing(app *a, msrp_composing_action act) {
  if (act == MSRP_COMPOSING_SEND_NOTHING || !a->started || a->ending)
    return;
  /* a peer that takes no is-composing documents is not told */
  msrp_chat_send_composing(a->chat,
                           act == MSRP_COMPOSING_SEND_ACTIVE
                               ? MSRP_COMPOSING_ACTIVE
                               : MSRP_COMPOSING_IDLE,
                           act == MSRP_COMPOSING_SEND_ACTIVE
                               ? msrp_composing_sender_refresh(&a->typing)
                               : 0,
                           -1);
}

static void on_typing_timer(uv_timer_t *t);

static void arm_typing(app *a) {
  uint64_t due = msrp_composing_sender_deadline(&a->typing);
  uint64_t now = uv_now(a->loop);
  if (due == UINT64_MAX)
    uv_timer_stop(&a->typing_timer);
  else
    uv_timer_start(&a->typing_timer, on_typing_timer, due > now ? due - now : 0,
                   0);
}

static void on_typing_timer(uv_timer_t *t) {
  app *a = t->data;
  send_typing(a, msrp_composing_sender_tick(&a->typing, uv_now(a->loop)));
  arm_typing(a);
}

static void send_text(app *a, const char *text) {
  const char *id;
  msrp_composing_sent_message(&a->typing);
  arm_typing(a);
  /* ask the peer's client whether it delivered and showed the message;
   * a peer that takes no CPIM gets it without the question */
  int rc = msrp_chat_send_message_ex(a->chat, text, strlen(text), NULL, NULL, 0,
                                     MSRP_IMDN_POSITIVE_DELIVERY |
                                         MSRP_IMDN_NEGATIVE_DELIVERY |
                                         MSRP_IMDN_DISPLAY,
                                     &id);
  if (rc == MSRP_ERR_CHAT_TYPE)
    rc =
        msrp_chat_send_message(a->chat, text, strlen(text), NULL, NULL, 0, &id);
  if (!rc) {
    unsigned i = a->nrecent++ % 32;
    snprintf(a->recent[i].id, sizeof a->recent[i].id, "%s", id);
    snprintf(a->recent[i].text, sizeof a->recent[i].text, "%.*s%s",
             strlen(text) > 30 ? 30 : (int)strlen(text), text,
             strlen(text) > 30 ? "..." : "");
  }
  if (rc) {
    fprintf(stderr, "msrp: cannot send: %s\n", msrp_strerror(rc));
    fail_with(a, EXIT_DELIVERY);
    return;
  }
  a->sent++;
  if (a->o.script)
    printf("sent %s %s\n", id, text);
  fflush(stdout);
}

static void maybe_finish(app *a);
static void end_chat(app *a);

static void on_line(app *a, char *line) {
  size_t n = strlen(line);
  if (n && line[n - 1] == '\r')
    line[--n] = '\0';
  if (a->want_remote) {
    if (n + 3 > sizeof a->remote - a->remote_len)
      die("the peer's description is too long (8 KiB at most)", NULL);
    if (a->remote_len == 0 && strncmp(line, "m=", 2) != 0) {
      snprintf(a->remote, sizeof a->remote, "%s", line); /* a path */
      a->remote_len = n;
      a->want_remote = false;
      start_chat(a);
      return;
    }
    if (n == 0) { /* the end of SDP */
      a->remote_is_sdp = true;
      a->want_remote = false;
      start_chat(a);
      return;
    }
    a->remote_len +=
        (size_t)snprintf(a->remote + a->remote_len,
                         sizeof a->remote - a->remote_len, "%s\r\n", line);
    return;
  }
  if (a->o.nmessages || n == 0)
    return;          /* messages come from the arguments, or blank */
  if (!a->started) { /* in order, once started */
    char **more = realloc(a->early, (a->nearly + 1) * sizeof *more);
    if (!more || !(more[a->nearly] = strdup(line)))
      die("out of memory", NULL);
    a->early = more;
    a->nearly++;
    return;
  }
  if (a->o.script && (!strcmp(line, "/typing") || !strcmp(line, "/idle"))) {
    int rc = msrp_chat_send_composing(
        a->chat, line[1] == 't' ? MSRP_COMPOSING_ACTIVE : MSRP_COMPOSING_IDLE,
        0, -1);
    if (rc)
      fprintf(stderr, "msrp: cannot send %s: %s\n", line, msrp_strerror(rc));
    return;
  }
  send_text(a, line);
}

static void input_ended(app *a);

/* A key typed at the terminal (one byte of it), echoed and edited here:
 * Enter ends the line, Backspace takes back a character, Ctrl-U the line,
 * Ctrl-D on an empty line ends the input. Returns false at Ctrl-D. */
static bool take_key(app *a, unsigned char k) {
  if (k == '\r' || k == '\n') {
    fputs("\n", stdout);
    fflush(stdout);
    a->line[a->line_len] = '\0';
    a->line_len = 0;
    on_line(a, a->line);
    return true;
  }
  if (k == 0x04 && a->line_len == 0)
    return false;
  if (k == 0x7f || k == 0x08) {
    /* one character: its UTF-8 continuation bytes too */
    while (a->line_len && (a->line[a->line_len - 1] & 0xc0) == 0x80)
      a->line_len--;
    if (a->line_len) {
      a->line_len--;
      fputs("\b \b", stdout);
    }
  } else if (k == 0x15) {
    a->line_len = 0;
    fputs("\r\033[K", stdout);
  } else if ((k >= 0x20 || k == '\t') && a->line_len + 1 < sizeof a->line) {
    a->line[a->line_len++] = (char)k;
    putchar(k);
    if (!a->want_remote && a->started) {
      send_typing(a, msrp_composing_typed(&a->typing, uv_now(a->loop)));
      arm_typing(a);
    }
  }
  fflush(stdout);
  return true;
}

/* Take input bytes: whole lines go to on_line. */
static void take_input(app *a, const char *data, size_t n) {
  if (a->keys) {
    for (size_t i = 0; i < n; i++)
      if (!take_key(a, (unsigned char)data[i])) {
        uv_read_stop(a->in);
        input_ended(a);
        return;
      }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (data[i] == '\n') {
      a->line[a->line_len] = '\0';
      a->line_len = 0;
      on_line(a, a->line);
    } else if (a->line_len + 1 < sizeof a->line) {
      a->line[a->line_len++] = data[i]; /* longer lines are cut */
    }
  }
}

static void input_ended(app *a) {
  if (a->input_done)
    return;
  a->input_done = true;
  if (a->line_len) {
    a->line[a->line_len] = '\0';
    a->line_len = 0;
    on_line(a, a->line);
  }
  if (a->want_remote && a->remote_len) { /* SDP ended by the end of input */
    a->remote_is_sdp = true;
    a->want_remote = false;
    start_chat(a);
  }
  if (!a->o.script && !a->want_remote && a->started)
    end_chat(a); /* Ctrl-D in a terminal: the chat is over */
  maybe_finish(a);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  static char chunk[4096];
  *buf = uv_buf_init(chunk, sizeof chunk);
}

static void on_input(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  app *a = s->data;
  if (n < 0) {
    uv_read_stop(s);
    input_ended(a);
    return;
  }
  take_input(a, buf->base, (size_t)n);
}

/* The terminal as it was, for every way out. */
static struct termios *saved_termios;

static void keys_off(void) {
  if (saved_termios)
    tcsetattr(0, TCSAFLUSH, saved_termios);
  saved_termios = NULL;
}

/* Interactive: the terminal gives each key as it is typed (no line
 * discipline, no echo: take_key does both), signals still work. */
static void keys_on(app *a) {
  if (a->o.script || tcgetattr(0, &a->saved_termios))
    return;
  struct termios t = a->saved_termios;
  t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr(0, TCSAFLUSH, &t))
    return;
  saved_termios = &a->saved_termios;
  a->keys = true;
  atexit(keys_off);
}

static void open_input(app *a) {
  uv_handle_type t = uv_guess_handle(0);
  if (t == UV_TTY && uv_tty_init(a->loop, &a->tty, 0, 1) == 0) {
    a->in = (uv_stream_t *)&a->tty;
    keys_on(a);
  } else if (t == UV_NAMED_PIPE && uv_pipe_init(a->loop, &a->pipe, 0) == 0 &&
             uv_pipe_open(&a->pipe, 0) == 0) {
    a->in = (uv_stream_t *)&a->pipe;
  } else {
    /* a file (or nothing): read it all now */
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
      take_input(a, buf, n);
    input_ended(a);
    return;
  }
  a->in->data = a;
  uv_read_start(a->in, on_alloc, on_input);
}

/* ---- what the chat says
 * ------------------------------------------------------ */

static void end_chat(app *a) {
  if (!a->ending) {
    a->ending = true;
    msrp_chat_end(a->chat);
  }
}

static void maybe_finish(app *a) {
  if (!a->o.script || !a->started || a->ending)
    return;
  bool inputs_done = a->o.nmessages || a->input_done;
  if (inputs_done && a->settled >= a->sent && a->received >= a->o.expect &&
      !a->nickname_pending)
    end_chat(a);
}

static void print_escaped(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      fputs("\\n", stdout);
    else if (s[i] == '\\')
      fputs("\\\\", stdout);
    else if (s[i] >= 0x20 || s[i] == '\t')
      putchar(s[i]);
  }
}

static void observe(msrp_notification_center *nc, const msrp_notification *n,
                    void *ud) {
  (void)nc;
  app *a = ud;
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    const char *sdp = ((const msrp_chat_did_initialize *)n->payload)->sdp;
    a->local_sdp = strdup(sdp);
    if (a->o.sdp) {
      fprintf(a->out, "%s\n", sdp);
    } else {
      const char *p = strstr(sdp, "a=path:");
      if (p)
        fprintf(a->out, "%.*s\n", (int)strcspn(p + 7, "\r\n"), p + 7);
    }
    fflush(a->out);
    if (a->out != stdout) {
      /* the whole description appears at once: a reader of the file never
       * finds it empty or cut */
      fclose(a->out);
      char tmp[4096];
      snprintf(tmp, sizeof tmp, "%s.part", a->o.local_file);
      if (rename(tmp, a->o.local_file))
        die("cannot write ", a->o.local_file);
    }
    a->out = stdout;
    if (!a->want_remote)
      start_chat(a);
    if (!a->o.script && a->want_remote)
      fprintf(stderr, "peer's path (or SDP, then an empty line)? ");
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    a->started = true;
    if (!a->o.script) /* a conversation lasts as long as its people want */
      uv_timer_stop(&a->deadline);
    if (a->o.script)
      printf("started\n");
    else
      fprintf(stderr, "connected; type to chat, Ctrl-D to end\n");
    if (a->o.nickname && !a->o.room) {
      int rc = msrp_chat_set_nickname(a->chat, a->o.nickname);
      if (!rc)
        a->nickname_pending = 1;
      else if (a->o.script)
        printf("nickname-unsupported %s\n", msrp_strerror(rc));
      else
        fprintf(stderr, "msrp: no nickname: %s\n", msrp_strerror(rc));
    }
    for (int i = 0; i < a->o.nmessages; i++)
      send_text(a, a->o.messages[i]);
    for (size_t i = 0; i < a->nearly; i++) {
      on_line(a, a->early[i]);
      free(a->early[i]);
    }
    free(a->early);
    a->early = NULL;
    a->nearly = 0;
    maybe_finish(a);
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_MESSAGE)) {
    const msrp_chat_got_message *g = n->payload;
    a->received++;
    above_input(a);
    printf(a->o.script ? "received " : "peer> ");
    print_escaped(g->content, g->len);
    printf("\n");
    below_output(a);
    /* it is on the screen (or in the script's output): displayed */
    if (g->notify & MSRP_IMDN_DISPLAY)
      msrp_chat_send_displayed(a->chat, g->imdn_message_id);
    maybe_finish(a);
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_COMPOSING_INDICATION)) {
    const msrp_chat_composing_indication *i = n->payload;
    bool active = i->state == MSRP_COMPOSING_ACTIVE;
    above_input(a);
    if (a->o.script)
      printf("typing %s\n", active ? "active" : "idle");
    else
      printf(active ? "(peer is typing...)\n" : "(peer stopped typing)\n");
    below_output(a);
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_DISPOSITION_NOTIFICATION)) {
    const msrp_chat_disposition *d = n->payload;
    above_input(a);
    if (a->o.script) {
      printf("notified %s %s\n", d->message_id, d->status_name);
    } else {
      const char *text = "";
      for (unsigned k = 0; k < 32; k++)
        if (!strcmp(a->recent[k].id, d->message_id))
          text = a->recent[k].text;
      printf("   (%s: %s)\n",
             d->status == MSRP_IMDN_DISPLAYED ? "read" : d->status_name, text);
    }
    below_output(a);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_SET_NICKNAME) ||
             !strcmp(n->name, MSRP_CHAT_DID_NOT_SET_NICKNAME)) {
    const msrp_chat_nickname_result *r = n->payload;
    bool ok = !strcmp(n->name, MSRP_CHAT_DID_SET_NICKNAME);
    a->nickname_pending = 0;
    above_input(a);
    if (a->o.script && ok)
      printf("nickname %s\n", r->nickname);
    else if (a->o.script)
      printf("nickname-refused %d %s\n", r->code, r->reason);
    else if (ok)
      printf("(you are %s in this room)\n", r->nickname);
    else
      fprintf(stderr, "msrp: the room refused the nickname %s: %d %s\n",
              r->nickname, r->code, r->reason);
    below_output(a);
    if (!ok)
      fail_with(a, EXIT_FAILED);
    maybe_finish(a);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE) ||
             !strcmp(n->name, MSRP_CHAT_DID_NOT_DELIVER_MESSAGE)) {
    const msrp_chat_delivery *d = n->payload;
    bool ok = !strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE);
    a->settled++;
    a->delivered += ok;
    if (a->o.script) {
      if (ok)
        printf("delivered %s\n", d->message_id);
      else
        printf("not-delivered %s %d %s\n", d->message_id, d->code,
               d->reason ? d->reason : "");
    } else if (!ok) {
      printf("   (not delivered: %d %s)\n", d->code,
             d->reason ? d->reason : "");
    }
    maybe_finish(a);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_FAIL)) {
    const msrp_chat_did_fail *f = n->payload;
    if (a->started && !strcmp(f->context, "reading") &&
        f->failure == MSRP_ERR_CONNECTION_CLOSED) {
      /* no SIP here to say BYE: the peer closing its connection in good
       * order (TCP FIN, TLS close_notify) is how it hangs up, or how it
       * answers our hanging up */
      if (a->ending || a->peer_ended) {
        fflush(stdout);
        return;
      }
      a->peer_ended = true;
      if (a->o.script)
        printf("peer-ended\n");
      else
        fprintf(stderr, "the peer ended the chat\n");
    } else {
      fail_with(a, exit_code_of(f->failure));
      const char *who = a->o.relay && !a->started     ? "the relay or the peer"
                        : a->o.connect && !a->started ? "the peer"
                                                      : NULL;
      if (a->o.script)
        printf("failed %s %s\n", f->context, f->reason);
      else if (who && exit_code_of(f->failure) == EXIT_CONNECT)
        fprintf(stderr, "msrp: %s failed (%s): %s\n", f->context, who,
                f->reason);
      else
        fprintf(stderr, "msrp: %s failed: %s\n", f->context, f->reason);
    }
    end_chat(a);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_END)) {
    a->ended = true;
    if (a->o.script)
      printf("ended\n");
    if (a->in && !uv_is_closing((uv_handle_t *)a->in))
      uv_close((uv_handle_t *)a->in, NULL);
    uv_close((uv_handle_t *)&a->deadline, NULL);
    uv_close((uv_handle_t *)&a->typing_timer, NULL);
    uv_close((uv_handle_t *)&a->interrupt, NULL);
    keys_off();
  }
  fflush(stdout);
}

static void on_deadline(uv_timer_t *t) {
  app *a = t->data;
  fprintf(stderr, "msrp: gave up after %d seconds (--timeout)\n", a->o.timeout);
  fail_with(a, EXIT_TIMEOUT);
  end_chat(a);
}

static void fail_with(app *a, int code) {
  if (a->exit_code == EXIT_OK)
    a->exit_code = code;
}

/* The relay password: --password, --password-file or MSRP_PASSWORD. */
static char *read_password(const opts *o) {
  if (o->password)
    return strdup(o->password);
  if (o->password_file) {
    FILE *f = fopen(o->password_file, "r");
    char line[1024];
    if (!f) {
      fprintf(stderr, "msrp: --password-file %s: %s\n", o->password_file,
              strerror(errno));
      exit(EXIT_USAGE);
    }
    if (!fgets(line, sizeof line, f))
      line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0])
      die("the password file is empty: ", o->password_file);
    return strdup(line);
  }
  const char *env = getenv("MSRP_PASSWORD");
  return env ? strdup(env) : NULL;
}

/* Run the loop until *done (or nothing is left to run). */
static void run_until(uv_loop_t *loop, const bool *done) {
  while (!*done)
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !*done)
      break;
}

/* ---- options every command takes -------------------------------------- */

enum {
  LISTEN = 256,
  CONNECT,
  LOCALHOST,
  ADVERTISE,
  REMOTE,
  REMOTEFILE,
  LOCALFILE,
  SDP,
  TLS,
  CERT,
  KEY,
  CA,
  FP,
  RELAY,
  USER,
  DNS,
  PASS,
  PASSFILE,
  SCRIPT,
  EXPECT,
  NICKNAME,
  ROOM,
  CEMA,
  TIMEOUT,
  TRACE,
  /* msrp send / receive */
  RESUME,
  PULL,
  HASH,
  SERVE,
  CHUNK,
  RATE,
  /* msrp share / view */
  VNC,
  VNCCMD,
  VPORT,
  VIEWERCMD,
  ANSWER
};

#define COMMON_LONGS                                                           \
  {"listen", no_argument, 0, LISTEN}, {"connect", no_argument, 0, CONNECT},    \
      {"local-host", required_argument, 0, LOCALHOST},                         \
      {"advertise", required_argument, 0, ADVERTISE},                          \
      {"remote-file", required_argument, 0, REMOTEFILE},                       \
      {"local-file", required_argument, 0, LOCALFILE},                         \
      {"tls", no_argument, 0, TLS}, {"cert", required_argument, 0, CERT},      \
      {"key", required_argument, 0, KEY}, {"ca", required_argument, 0, CA},    \
      {"fingerprint", required_argument, 0, FP},                               \
      {"relay", required_argument, 0, RELAY},                                  \
      {"user", required_argument, 0, USER},                                    \
      {"dns-server", required_argument, 0, DNS},                               \
      {"password", required_argument, 0, PASS},                                \
      {"password-file", required_argument, 0, PASSFILE},                       \
      {"script", no_argument, 0, SCRIPT},                                      \
      {"timeout", required_argument, 0, TIMEOUT},                              \
      {"trace", no_argument, 0, TRACE}, {"cema", no_argument, 0, CEMA}, {      \
    "help", no_argument, 0, 'h'                                                \
  }

/* An option every command takes: into `o`, and true; false for others. */
static bool common_option(opts *o, int c) {
  switch (c) {
  case LISTEN:
    o->connect = false;
    return true;
  case CONNECT:
    o->connect = true;
    return true;
  case LOCALHOST:
    o->local_host = optarg;
    return true;
  case ADVERTISE:
    o->advertise = optarg;
    return true;
  case DNS:
    o->dns_servers = optarg;
    return true;
  case REMOTEFILE:
    o->remote_file = optarg;
    return true;
  case LOCALFILE:
    o->local_file = optarg;
    return true;
  case TLS:
    o->tls = true;
    return true;
  case CERT:
    o->cert = optarg;
    return true;
  case KEY:
    o->key = optarg;
    return true;
  case CA:
    o->ca = optarg;
    return true;
  case FP:
    o->fingerprint = optarg;
    return true;
  case RELAY:
    o->relay = optarg;
    return true;
  case USER:
    o->user = optarg;
    return true;
  case PASS:
    o->password = optarg;
    return true;
  case PASSFILE:
    o->password_file = optarg;
    return true;
  case SCRIPT:
    o->script = true;
    return true;
  case TIMEOUT:
    o->timeout = atoi(optarg);
    return true;
  case TRACE:
    o->trace = true;
    return true;
  case CEMA:
    o->cema = true;
    return true;
  default:
    return false;
  }
}

/* Check what every command checks: readable files, sane numbers. */
static void common_checks(const opts *o) {
  if (o->timeout <= 0)
    die("--timeout takes a positive number", NULL);
  check_readable("--cert", o->cert);
  check_readable("--key", o->key);
  check_readable("--ca", o->ca);
  check_readable("--remote-file", o->remote_file && strcmp(o->remote_file, "-")
                                      ? o->remote_file
                                      : NULL);
}

/* The account, TLS and relay settings the options say (pointing into the
 * structs given, which must outlive it). */
static msrp_account make_account(const opts *o, msrp_tls_config *tls,
                                 msrp_relay_config *relay, msrp_logger *lg,
                                 const char *password) {
  *tls = (msrp_tls_config){.cert_file = o->cert,
                           .key_file = o->key,
                           .ca_file = o->ca,
                           .fingerprint = o->fingerprint};
  *relay = (msrp_relay_config){
      .uri = o->relay, .username = o->user, .password = password};
  /* what went wrong, and where, is said on stderr; --trace says all */
  *lg = o->trace ? msrp_logger_stderr(MSRP_LOG_INFO, 1)
                 : msrp_logger_stderr(MSRP_LOG_WARNING, 0);
  return (msrp_account){.display_name = getenv("USER"),
                        .uri = o->connect ? "sip:caller@localhost"
                                          : "sip:callee@localhost",
                        .local_host = o->local_host,
                        .advertised_host = o->advertise,
                        .use_tls = o->tls,
                        .tls = (o->tls || o->ca || o->fingerprint) ? tls : NULL,
                        .relays = o->relay ? relay : NULL,
                        .nrelays = o->relay ? 1 : 0,
                        .dns_servers = o->dns_servers,
                        .logger = lg,
                        .response_timeout_ms = (uint64_t)o->timeout * 1000,
                        .cema = o->cema};
}

/* ---- main
 * --------------------------------------------------------------------- */

/* The room we host decides: any nickname but our own. */
static int room_nickname(msrp_chat *chat, const char *nickname, void *ud) {
  (void)chat;
  app *a = ud;
  if (a->o.nickname && msrp_nickname_equal(nickname, a->o.nickname) == 1)
    return MSRP_STATUS_NICKNAME_IN_USE;
  above_input(a);
  printf(a->o.script ? "peer-nickname %s\n" : "(the peer is now %s)\n",
         nickname);
  below_output(a);
  return MSRP_STATUS_OK;
}

/* Ctrl-C: the chat ends as with Ctrl-D (the terminal restored); a second
 * one does not wait. */
static void on_interrupt(uv_signal_t *h, int sig) {
  (void)sig;
  app *a = h->data;
  keys_off();
  if (a->ending)
    exit(130);
  fputs("\n", stdout);
  end_chat(a);
}

static int chat_main(int argc, char **argv) {
  app a;
  memset(&a, 0, sizeof a);
  opts *o = &a.o;
  o->local_host = "127.0.0.1";
  o->timeout = 30;
  static const struct option longs[] = {
      COMMON_LONGS,
      {"remote", required_argument, 0, REMOTE},
      {"sdp", no_argument, 0, SDP},
      {"expect", required_argument, 0, EXPECT},
      {"nickname", required_argument, 0, NICKNAME},
      {"room", no_argument, 0, ROOM},
      {0, 0, 0, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    if (common_option(o, c))
      continue;
    switch (c) {
    case REMOTE:
      o->remote = optarg;
      break;
    case SDP:
      o->sdp = true;
      break;
    case EXPECT:
      o->expect = atoi(optarg);
      break;
    case NICKNAME:
      o->nickname = optarg;
      break;
    case ROOM:
      o->room = true;
      break;
    case 'h':
      fputs(usage_chat, stdout);
      return 0;
    default:
      fputs(usage_chat, stderr);
      return EXIT_USAGE;
    }
  }
  o->messages = argv + optind;
  o->nmessages = argc - optind;
  if (o->tls && !o->connect && (!o->cert || !o->key) && !o->relay)
    die("--tls --listen needs --cert and --key", NULL);
  if (o->expect < 0)
    die("--expect takes a positive number", NULL);
  char nick_check[MSRP_NICKNAME_MAX + 1];
  if (o->nickname && msrp_nickname_prepare(o->nickname, strlen(o->nickname),
                                           nick_check, sizeof nick_check) < 0)
    die("--nickname is not a nickname (RFC 8266): ", o->nickname);
  common_checks(o);
  char *password = read_password(o);

  a.loop = uv_default_loop();
  if (msrp_notification_center_new(&a.nc))
    die("out of memory", NULL);
  msrp_tls_config tls;
  msrp_relay_config relay;
  msrp_logger lg;
  msrp_account acc = make_account(o, &tls, &relay, &lg, password);
  int rc = msrp_chat_new(
      &a.chat, a.loop, a.nc, &acc,
      o->connect ? "sip:callee@localhost" : "sip:caller@localhost", o->connect);
  if (rc) {
    fprintf(stderr, "msrp: %s\n", msrp_strerror(rc));
    free(password);
    return rc == MSRP_ERR_TLS_CONFIG ? EXIT_TLS : EXIT_USAGE;
  }
  msrp_notification_center_add_observer(a.nc, NULL, a.chat, observe, &a, NULL);
  if (o->room)
    msrp_chat_host_room(a.chat,
                        MSRP_CHATROOM_NICKNAME | MSRP_CHATROOM_PRIVATE_MESSAGES,
                        room_nickname, &a);
  a.out = stdout;
  if (o->local_file) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.part", o->local_file);
    if (!(a.out = fopen(tmp, "w")))
      die("cannot write ", o->local_file);
  }

  /* the peer's description: an argument, a file, or standard input */
  if (o->remote) {
    snprintf(a.remote, sizeof a.remote, "%s", o->remote);
    a.remote_is_sdp = strncmp(o->remote, "m=", 2) == 0;
  } else if (o->remote_file && strcmp(o->remote_file, "-") != 0) {
    FILE *f = fopen(o->remote_file, "r");
    if (!f)
      die("cannot read ", o->remote_file);
    size_t n = fread(a.remote, 1, sizeof a.remote - 1, f);
    fclose(f);
    a.remote[n] = '\0';
    a.remote_is_sdp = strncmp(a.remote, "m=", 2) == 0;
    if (!a.remote_is_sdp) /* a path: its first line */
      a.remote[strcspn(a.remote, "\r\n")] = '\0';
  } else {
    a.want_remote = true;
  }
  uv_timer_init(a.loop, &a.deadline);
  a.deadline.data = &a;
  uv_timer_init(a.loop, &a.typing_timer);
  a.typing_timer.data = &a;
  uv_unref((uv_handle_t *)&a.typing_timer);
  uv_signal_init(a.loop, &a.interrupt);
  a.interrupt.data = &a;
  uv_signal_start(&a.interrupt, on_interrupt, SIGINT);
  uv_unref((uv_handle_t *)&a.interrupt);
  if (o->script) /* the whole run */
    uv_timer_start(&a.deadline, on_deadline, (uint64_t)o->timeout * 1000, 0);
  uv_unref((uv_handle_t *)&a.deadline);
  rc = msrp_chat_initialize(a.chat);
  if (rc) {
    fprintf(stderr, "msrp: %s\n", msrp_strerror(rc));
    free(password);
    return exit_code_of(rc);
  }
  open_input(&a);
  run_until(a.loop, &a.ended);
  msrp_chat_free(a.chat);
  uv_run(a.loop, UV_RUN_DEFAULT);
  msrp_notification_center_free(a.nc);
  free(a.local_sdp);
  free(password);
  if (a.exit_code == EXIT_OK &&
      (a.delivered < a.sent || a.received < o->expect))
    a.exit_code = EXIT_DELIVERY;
  return a.exit_code;
}

/* ---- msrp send / msrp receive: files (RFC 5547) ----------------------- */

static const char usage_send[] =
    "usage: msrp send FILE [OPTIONS]\n"
    "\n"
    "Send FILE over MSRP (RFC 5547). This side offers it: it prints its SDP\n"
    "(or writes it to --local-file), then reads the receiver's answer (from\n"
    "--remote-file or standard input: SDP up to an empty line). With\n"
    "--serve it answers a pull instead: it reads the receiver's offer first\n"
    "and sends FILE if it is the file asked for.\n"
    "\n"
    "  --serve               answer a pull (msrp receive --pull) with FILE\n"
    "  --chunk-size N        body bytes per chunk (default 65536)\n"
    "Connection, TLS, relay and scripting options as for msrp chat\n"
    "(--connect is the default for the offering side: --listen offers\n"
    "a=setup:passive, RFC 6135).\n"
    "\n"
    "Exit status: 0 the file arrived (confirmed by REPORTs); 7 it did not;\n"
    "otherwise as for msrp chat.\n";

static const char usage_receive[] =
    "usage: msrp receive [DIR] [OPTIONS]\n"
    "\n"
    "Receive a file over MSRP (RFC 5547) into DIR (default: the current\n"
    "directory), as NAME.part until it is whole and its SHA-1 matches, then\n"
    "under its name (never replacing a file: NAME (1).ext). This side\n"
    "answers a push: it reads the sender's offer (from --remote-file or\n"
    "standard input), then prints its answer. With --pull it offers: it\n"
    "asks for a file the peer has (msrp send --serve) and reads the answer.\n"
    "\n"
    "  --pull NAME           ask for the file named NAME\n"
    "  --hash HEX            ... whose SHA-1 is HEX (XX:XX:... or 40 digits)\n"
    "  --resume              continue DIR/NAME.part of the same file: only\n"
    "                        the rest is asked for (a=file-range)\n"
    "  --limit-rate RATE     receive at most RATE bytes a second (k, M, G:\n"
    "                        thousands, millions, billions)\n"
    "Connection, TLS, relay and scripting options as for msrp chat.\n"
    "\n"
    "Exit status: 0 the file arrived whole and its hash matched; 7 it did\n"
    "not; otherwise as for msrp chat.\n";

typedef struct fapp {
  opts o;
  bool sending, offering;
  const char *file, *dir, *pull_name, *pull_hash;
  int resume;
  size_t chunk;
  uint64_t rate;
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp_file_transfer *ft;
  char *offer_sdp; /* answering: the offer, read first */
  bool ended, done, tty;
  int exit_code;
  uv_timer_t deadline;
} fapp;

/* SDP from `f`, up to an empty line or the end, with CRLF line ends. */
static char *read_sdp(FILE *f) {
  size_t cap = 8192, len = 0;
  char *out = malloc(cap), line[4096];
  if (!out)
    return NULL;
  out[0] = '\0';
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) {
      if (len)
        break;
      continue; /* blank lines before it */
    }
    size_t n = strlen(line);
    if (len + n + 3 > cap) {
      char *bigger = realloc(out, cap *= 2);
      if (!bigger) {
        free(out);
        return NULL;
      }
      out = bigger;
    }
    memcpy(out + len, line, n);
    memcpy(out + len + n, "\r\n", 3);
    len += n + 2;
  }
  if (!len) {
    free(out);
    return NULL;
  }
  return out;
}

/* The peer's SDP: from --remote-file (a FIFO waits for its writer) or
 * standard input. */
static char *remote_sdp(const opts *o) {
  FILE *f = stdin;
  if (o->remote_file && strcmp(o->remote_file, "-")) {
    f = fopen(o->remote_file, "r");
    if (!f) {
      fprintf(stderr, "msrp: --remote-file %s: %s\n", o->remote_file,
              strerror(errno));
      exit(EXIT_USAGE);
    }
  } else if (!o->script && isatty(0)) {
    fprintf(stderr, "peer's SDP, then an empty line:\n");
  }
  char *sdp = read_sdp(f);
  if (f != stdin)
    fclose(f);
  if (!sdp)
    fprintf(stderr, "msrp: no SDP came from the peer\n");
  return sdp;
}

/* Our SDP: to --local-file (whole at once: FILE.part, then renamed) or
 * standard output, followed by an empty line. */
static void write_local_sdp(const opts *o, const char *sdp) {
  if (!o->local_file) {
    printf("%s\n", sdp);
    fflush(stdout);
    return;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.part", o->local_file);
  FILE *f = fopen(tmp, "w");
  if (!f || fprintf(f, "%s\n", sdp) < 0 || fclose(f) ||
      rename(tmp, o->local_file))
    die("cannot write ", o->local_file);
}

static void human(uint64_t n, char *out, size_t size) {
  static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
  double v = (double)n;
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    u++;
  }
  snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* curl's kind of progress line, on a terminal, redrawn in place. */
static void progress_bar(const msrp_file_transfer_progress *p, bool hashing) {
  char done[32], total[32], rate[32], left[32] = "--:--:--";
  human(p->done, done, sizeof done);
  human(p->total, total, sizeof total);
  human(p->rate, rate, sizeof rate);
  if (p->rate && p->total >= p->done) {
    uint64_t s = (p->total - p->done) / p->rate;
    snprintf(left, sizeof left, "%02u:%02u:%02u", (unsigned)(s / 3600),
             (unsigned)(s / 60 % 60), (unsigned)(s % 60));
  }
  unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 100;
  fprintf(stderr, "\r%s%3u%%  %s of %s  %s/s  %s left   ",
          hashing ? "hashing " : "", pct, done, total, rate, left);
  fflush(stderr);
}

static void file_start(fapp *a, const char *remote);

static void file_observe(msrp_notification_center *center,
                         const msrp_notification *n, void *ud) {
  (void)center;
  fapp *a = ud;
  if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_INITIALIZE)) {
    const msrp_file_transfer_did_initialize *d = n->payload;
    if (a->tty)
      fprintf(stderr, "\r%60s\r", "");
    if (a->o.script)
      printf("initialized\n");
    fflush(stdout);
    write_local_sdp(&a->o, d->sdp);
    if (a->offering) {
      char *sdp = remote_sdp(&a->o);
      file_start(a, sdp);
      free(sdp);
    } else {
      file_start(a, a->offer_sdp);
    }
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_HASH_PROGRESS) ||
             !strcmp(n->name, MSRP_FILE_TRANSFER_PROGRESS)) {
    const msrp_file_transfer_progress *p = n->payload;
    bool hashing = !strcmp(n->name, MSRP_FILE_TRANSFER_HASH_PROGRESS);
    if (a->o.script)
      printf("%s %llu %llu\n", hashing ? "hashing" : "progress",
             (unsigned long long)p->done, (unsigned long long)p->total);
    else if (a->tty)
      progress_bar(p, hashing);
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_START)) {
    uv_timer_stop(&a->deadline); /* connected: the file takes its time */
    if (a->o.script)
      printf("started\n");
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_FAIL)) {
    const msrp_file_transfer_did_fail *f = n->payload;
    /* the file did not arrive (or is not the one asked for): 7 */
    bool file_error =
        f->failure <= MSRP_ERR_FILE_HASH && f->failure >= MSRP_ERR_FILE_REFUSED;
    int code = file_error || f->failure == MSRP_ERR_NOT_FOUND
                   ? EXIT_DELIVERY
                   : exit_code_of(f->failure);
    if (a->exit_code == EXIT_OK)
      a->exit_code = code;
    if (a->tty)
      fputc('\n', stderr);
    if (a->o.script)
      printf("failed %s %s\n", f->context, f->reason);
    else
      fprintf(stderr, "msrp: %s failed: %s\n", f->context, f->reason);
  } else if (!strcmp(n->name, MSRP_FILE_TRANSFER_DID_END)) {
    const msrp_file_transfer_did_end *e = n->payload;
    if (e->path) {
      a->done = true;
      if (a->tty)
        fputc('\n', stderr);
      if (a->o.script) /* and where it started, and what this run moved */
        printf("done %s %llu %llu %llu\n", e->path, (unsigned long long)e->size,
               (unsigned long long)msrp_file_transfer_offset(a->ft),
               (unsigned long long)msrp_file_transfer_moved(a->ft));
      else
        fprintf(stderr, "%s %s (%llu bytes)\n", a->sending ? "sent" : "saved",
                e->path, (unsigned long long)e->size);
    }
    if (a->o.script)
      printf("ended\n");
    a->ended = true;
    uv_close((uv_handle_t *)&a->deadline, NULL);
  }
  fflush(stdout);
}

static void file_start(fapp *a, const char *remote) {
  if (!remote) {
    if (a->exit_code == EXIT_OK)
      a->exit_code = EXIT_USAGE;
    msrp_file_transfer_end(a->ft);
    return;
  }
  msrp_file_transfer_start(a->ft, remote);
}

static void file_deadline(uv_timer_t *t) {
  fapp *a = t->data;
  fprintf(stderr, "msrp: gave up after %d seconds (--timeout)\n", a->o.timeout);
  if (a->exit_code == EXIT_OK)
    a->exit_code = EXIT_TIMEOUT;
  msrp_file_transfer_end(a->ft);
}

/* "XX:XX:..." or 40 hex digits into a selector's hash. */
static bool parse_hash(const char *text, msrp_file_selector *s) {
  char hex[41];
  size_t n = 0;
  for (const char *c = text; *c && n < 41; c++)
    if (*c != ':')
      hex[n++] = *c;
  if (n != 40)
    return false;
  for (int i = 0; i < 20; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      return false;
    s->sha1[i] = (uint8_t)v;
  }
  s->has_sha1 = 1;
  return true;
}

static int file_main(int argc, char **argv, bool sending) {
  fapp a;
  memset(&a, 0, sizeof a);
  opts *o = &a.o;
  o->local_host = "127.0.0.1";
  o->timeout = 30;
  o->connect = true;
  a.sending = sending;
  static const struct option longs[] = {
      COMMON_LONGS,
      {"serve", no_argument, 0, SERVE},
      {"chunk-size", required_argument, 0, CHUNK},
      {"pull", required_argument, 0, PULL},
      {"hash", required_argument, 0, HASH},
      {"resume", no_argument, 0, RESUME},
      {"limit-rate", required_argument, 0, RATE},
      {0, 0, 0, 0}};
  const char *usage = sending ? usage_send : usage_receive;
  bool serve = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    if (common_option(o, c))
      continue;
    switch (c) {
    case SERVE:
      serve = true;
      break;
    case CHUNK:
      a.chunk = (size_t)atol(optarg);
      break;
    case PULL:
      a.pull_name = optarg;
      break;
    case HASH:
      a.pull_hash = optarg;
      break;
    case RESUME:
      a.resume = 1;
      break;
    case RATE: {
      char *end;
      double v = strtod(optarg, &end);
      double mult = *end == 'k'   ? 1e3
                    : *end == 'M' ? 1e6
                    : *end == 'G' ? 1e9
                                  : 1;
      if (v <= 0 || end == optarg || (*end && end[1]) || (*end && mult == 1))
        die("--limit-rate takes a number of bytes a second: ", optarg);
      a.rate = (uint64_t)(v * mult);
      break;
    }
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      fputs(usage, stderr);
      return EXIT_USAGE;
    }
  }
  if (sending && (a.pull_name || a.pull_hash || a.resume || a.rate))
    die("--pull, --hash, --resume and --limit-rate are for msrp receive", NULL);
  if (!sending && serve)
    die("--serve is for msrp send", NULL);
  if (a.pull_hash && !a.pull_name)
    die("--hash goes with --pull", NULL);
  if (sending) {
    if (optind != argc - 1)
      die("msrp send takes one FILE", NULL);
    a.file = argv[optind];
    check_readable("FILE", a.file);
  } else {
    if (optind < argc - 1)
      die("msrp receive takes one DIR", NULL);
    a.dir = optind < argc ? argv[optind] : ".";
  }
  common_checks(o);
  a.offering = sending ? !serve : a.pull_name != NULL;
  char *password = read_password(o);
  msrp_tls_config tls;
  msrp_relay_config relay;
  msrp_logger lg;
  msrp_account acc = make_account(o, &tls, &relay, &lg, password);
  /* the offering side connects unless --listen (RFC 6135: passive) */
  acc.offer_setup = o->connect ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  msrp_file_selector want = MSRP_FILE_SELECTOR_INIT;
  if (a.pull_name) {
    want.name = (char *)a.pull_name;
    want.name_len = strlen(a.pull_name);
    if (a.pull_hash && !parse_hash(a.pull_hash, &want))
      die("--hash is not a SHA-1 (XX:XX:... or 40 hex digits): ", a.pull_hash);
  }
  msrp_file_transfer_config cfg = {.file = a.file,
                                   .directory = a.dir,
                                   .selector = a.pull_name ? &want : NULL,
                                   .resume = a.resume,
                                   .chunk_size = a.chunk,
                                   .max_rate = a.rate};
  a.loop = uv_default_loop();
  a.tty = !o->script && isatty(2);
  if (msrp_notification_center_new(&a.nc))
    die("out of memory", NULL);
  int rc;
  if (a.offering) {
    rc = msrp_file_transfer_new(&a.ft, a.loop, a.nc, &acc, "sip:peer@localhost",
                                &cfg);
  } else {
    a.offer_sdp = remote_sdp(o);
    rc = a.offer_sdp
             ? msrp_file_transfer_new_from_sdp(&a.ft, a.loop, a.nc, &acc,
                                               "sip:peer@localhost",
                                               a.offer_sdp, &cfg)
             : MSRP_ERR_SDP_SYNTAX;
  }
  if (rc) {
    fprintf(stderr, "msrp: %s%s%s\n", msrp_strerror(rc),
            rc == MSRP_ERR_FILE_IO ? ": " : "",
            rc == MSRP_ERR_FILE_IO ? (a.file ? a.file : a.dir) : "");
    free(password);
    free(a.offer_sdp);
    msrp_notification_center_free(a.nc);
    return rc == MSRP_ERR_TLS_CONFIG  ? EXIT_TLS
           : rc == MSRP_ERR_NOT_FOUND ? EXIT_DELIVERY
                                      : EXIT_USAGE;
  }
  msrp_notification_center_add_observer(a.nc, NULL, a.ft, file_observe, &a,
                                        NULL);
  uv_timer_init(a.loop, &a.deadline);
  a.deadline.data = &a;
  uv_timer_start(&a.deadline, file_deadline, (uint64_t)o->timeout * 1000, 0);
  uv_unref((uv_handle_t *)&a.deadline);
  rc = msrp_file_transfer_initialize(a.ft);
  if (rc) {
    fprintf(stderr, "msrp: %s\n", msrp_strerror(rc));
    a.exit_code = rc == MSRP_ERR_FILE_IO ? EXIT_DELIVERY : exit_code_of(rc);
    msrp_file_transfer_end(a.ft);
  }
  run_until(a.loop, &a.ended);
  msrp_file_transfer_free(a.ft);
  uv_run(a.loop, UV_RUN_DEFAULT);
  msrp_notification_center_free(a.nc);
  free(a.offer_sdp);
  free(password);
  if (a.exit_code == EXIT_OK && !a.done)
    a.exit_code = EXIT_DELIVERY;
  return a.exit_code;
}

/* ---- msrp share / msrp view -----------------------------------------------
 */

static const char usage_share[] =
    "usage: msrp share [--vnc HOST:PORT | --vnc-command CMD] [--answer] "
    "[OPTIONS]\n"
    "\n"
    "Share this machine's screen: carry the RFB stream of a local VNC\n"
    "server (default 127.0.0.1:5900) inside an MSRP session, or of one it\n"
    "starts with --vnc-command (its output is read for PORT=<n>, as\n"
    "x11vnc prints it; it is stopped when the share ends). Offers by\n"
    "default (prints its SDP, reads the answer from --remote-file or\n"
    "standard input); --answer reads an offer first and answers it.\n"
    "Connection, TLS, relay and scripting options as for msrp chat.\n"
    "\n"
    "Exit status: 0 the share ran and ended; 7 the VNC side failed;\n"
    "otherwise as for msrp chat.\n";

static const char usage_view[] =
    "usage: msrp view [--port N] [--viewer-command CMD] [--answer] "
    "[OPTIONS]\n"
    "\n"
    "View the peer's screen: wait on 127.0.0.1:N (default: any free port,\n"
    "printed as \"viewer-port N\") for one local VNC viewer and carry its\n"
    "RFB stream inside an MSRP session; --viewer-command starts the viewer\n"
    "itself, \"%p\" in it made the port. Offers or answers as msrp share.\n"
    "Connection, TLS, relay and scripting options as for msrp chat.\n"
    "\n"
    "Exit status: as for msrp share.\n";

typedef struct sapp {
  opts o;
  bool offering, sharing, ended, handler_up;
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp_desktop_sharing *ds;
  char *offer_sdp;
  int exit_code;
  uv_timer_t deadline;
} sapp;

static void share_observe(msrp_notification_center *center,
                          const msrp_notification *n, void *ud) {
  (void)center;
  sapp *a = ud;
  if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_INITIALIZE)) {
    const msrp_desktop_sharing_did_initialize *d = n->payload;
    if (a->o.script)
      printf("initialized\n");
    fflush(stdout);
    write_local_sdp(&a->o, d->sdp);
    char *remote = a->offering ? remote_sdp(&a->o) : a->offer_sdp;
    if (!remote) {
      a->exit_code = EXIT_USAGE;
      msrp_desktop_sharing_end(a->ds);
    } else {
      msrp_desktop_sharing_start(a->ds, remote);
    }
    if (a->offering)
      free(remote);
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_START)) {
    if (a->o.script)
      printf("started\n");
    int port = msrp_desktop_sharing_viewer_port(a->ds);
    if (port)
      printf(a->o.script ? "viewer-port %d\n"
                         : "a VNC viewer can connect to 127.0.0.1::%d\n",
             port);
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_HANDLER_DID_START)) {
    uv_timer_stop(&a->deadline); /* the share takes its time */
    a->handler_up = true;
    if (a->o.script)
      printf("handler-started\n");
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL) ||
             !strcmp(n->name, MSRP_DESKTOP_SHARING_DID_FAIL)) {
    const msrp_desktop_sharing_did_fail *f = n->payload;
    bool handler = !strcmp(n->name, MSRP_DESKTOP_SHARING_HANDLER_DID_FAIL);
    if (a->exit_code == EXIT_OK)
      a->exit_code = handler ? EXIT_DELIVERY : exit_code_of(f->failure);
    if (a->o.script)
      printf("%s %s %s\n", handler ? "handler-failed" : "failed", f->context,
             f->reason);
    else
      fprintf(stderr, "msrp: %s failed: %s\n", f->context, f->reason);
    if (!handler)
      msrp_desktop_sharing_end(a->ds);
  } else if (!strcmp(n->name, MSRP_DESKTOP_SHARING_DID_END)) {
    uint64_t out, in;
    msrp_desktop_sharing_counters(a->ds, &out, &in);
    if (a->o.script)
      printf("bytes %llu %llu\nended\n", (unsigned long long)out,
             (unsigned long long)in);
    a->ended = true;
    uv_close((uv_handle_t *)&a->deadline, NULL);
  }
  fflush(stdout);
}

static void share_deadline(uv_timer_t *t) {
  sapp *a = t->data;
  fprintf(stderr, "msrp: gave up after %d seconds (--timeout)\n", a->o.timeout);
  if (a->exit_code == EXIT_OK)
    a->exit_code = EXIT_TIMEOUT;
  msrp_desktop_sharing_end(a->ds);
}

static void share_stop(uv_signal_t *h, int sig) {
  (void)sig;
  sapp *a = h->data;
  msrp_desktop_sharing_end(a->ds);
  uv_close((uv_handle_t *)h, NULL);
}

static int share_main(int argc, char **argv, bool sharing) {
  sapp a;
  memset(&a, 0, sizeof a);
  opts *o = &a.o;
  o->local_host = "127.0.0.1";
  o->timeout = 30;
  o->connect = true;
  a.sharing = sharing;
  static const struct option longs[] = {
      COMMON_LONGS,
      {"vnc", required_argument, 0, VNC},
      {"vnc-command", required_argument, 0, VNCCMD},
      {"port", required_argument, 0, VPORT},
      {"viewer-command", required_argument, 0, VIEWERCMD},
      {"answer", no_argument, 0, ANSWER},
      {0, 0, 0, 0}};
  const char *usage = sharing ? usage_share : usage_view;
  msrp_desktop_sharing_config cfg = {.role = sharing ? MSRP_DESKTOP_SERVER
                                                     : MSRP_DESKTOP_VIEWER};
  char vnc_host[256] = "";
  bool answer = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    if (common_option(o, c))
      continue;
    switch (c) {
    case VNC: {
      const char *colon = strrchr(optarg, ':');
      int port = colon ? atoi(colon + 1) : 0;
      if (!sharing || !colon || port <= 0 || port > 65535 ||
          (size_t)(colon - optarg) >= sizeof vnc_host)
        die("--vnc takes HOST:PORT (msrp share): ", optarg);
      snprintf(vnc_host, sizeof vnc_host, "%.*s", (int)(colon - optarg),
               optarg);
      cfg.vnc_host = vnc_host;
      cfg.vnc_port = port;
      break;
    }
    case VNCCMD:
      if (!sharing)
        die("--vnc-command is for msrp share", NULL);
      cfg.vnc_command = optarg;
      break;
    case VIEWERCMD:
      if (sharing)
        die("--viewer-command is for msrp view", NULL);
      cfg.viewer_command = optarg;
      break;
    case VPORT:
      cfg.viewer_port = atoi(optarg);
      if (sharing || cfg.viewer_port < 0 || cfg.viewer_port > 65535)
        die("--port takes a port (msrp view): ", optarg);
      break;
    case ANSWER:
      answer = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      fputs(usage, stderr);
      return EXIT_USAGE;
    }
  }
  if (optind != argc)
    die("unexpected argument: ", argv[optind]);
  common_checks(o);
  a.offering = !answer;
  char *password = read_password(o);
  msrp_tls_config tls;
  msrp_relay_config relay;
  msrp_logger lg;
  msrp_account acc = make_account(o, &tls, &relay, &lg, password);
  acc.offer_setup = o->connect ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  a.loop = uv_default_loop();
  if (msrp_notification_center_new(&a.nc))
    die("out of memory", NULL);
  int rc;
  if (a.offering) {
    rc = msrp_desktop_sharing_new(&a.ds, a.loop, a.nc, &acc,
                                  "sip:peer@localhost", &cfg);
  } else {
    a.offer_sdp = remote_sdp(o);
    rc = a.offer_sdp
             ? msrp_desktop_sharing_new_from_sdp(&a.ds, a.loop, a.nc, &acc,
                                                 "sip:peer@localhost",
                                                 a.offer_sdp, &cfg)
             : MSRP_ERR_SDP_SYNTAX;
    if (!rc && msrp_desktop_sharing_role(a.ds) != cfg.role)
      rc = MSRP_ERR_NOT_SUPPORTED; /* the offer wants what we are not */
  }
  if (rc) {
    fprintf(stderr, "msrp: %s\n", msrp_strerror(rc));
    msrp_desktop_sharing_free(a.ds);
    uv_run(a.loop, UV_RUN_DEFAULT);
    free(password);
    free(a.offer_sdp);
    msrp_notification_center_free(a.nc);
    return rc == MSRP_ERR_TLS_CONFIG ? EXIT_TLS : EXIT_USAGE;
  }
  msrp_notification_center_add_observer(a.nc, NULL, a.ds, share_observe, &a,
                                        NULL);
  uv_timer_init(a.loop, &a.deadline);
  a.deadline.data = &a;
  uv_timer_start(&a.deadline, share_deadline, (uint64_t)o->timeout * 1000, 0);
  uv_unref((uv_handle_t *)&a.deadline);
  uv_signal_t stop;
  uv_signal_init(a.loop, &stop);
  stop.data = &a;
  uv_signal_start(&stop, share_stop, SIGTERM);
  uv_unref((uv_handle_t *)&stop);
  rc = msrp_desktop_sharing_initialize(a.ds);
  if (rc) {
    fprintf(stderr, "msrp: %s\n", msrp_strerror(rc));
    a.exit_code = exit_code_of(rc);
    msrp_desktop_sharing_end(a.ds);
  }
  run_until(a.loop, &a.ended);
  if (!uv_is_closing((uv_handle_t *)&stop))
    uv_close((uv_handle_t *)&stop, NULL);
  msrp_desktop_sharing_free(a.ds);
  uv_run(a.loop, UV_RUN_DEFAULT);
  msrp_notification_center_free(a.nc);
  free(a.offer_sdp);
  free(password);
  if (a.exit_code == EXIT_OK && !a.handler_up)
    a.exit_code = EXIT_DELIVERY;
  return a.exit_code;
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
      !strcmp(argv[1], "-h")) {
    fputs(usage_main, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("msrp %s (libmsrp %s)\n", MSRP_VERSION_STRING, msrp_version());
    return 0;
  }
  if (!strcmp(argv[1], "share") || !strcmp(argv[1], "view"))
    return share_main(argc - 1, argv + 1, !strcmp(argv[1], "share"));
  if (!strcmp(argv[1], "load"))
    return load_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "chat"))
    return chat_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "send") || !strcmp(argv[1], "receive"))
    return file_main(argc - 1, argv + 1, argv[1][0] == 's');
  fprintf(stderr, "msrp: unknown command '%s'\n%s", argv[1], usage_main);
  return 2;
}
