/* The native side of the VM boundary (hal/contract.ts HOST_CALLS): __hal(op, a, b, c, d) for
 * every host call, with octet arguments (BINARY_ARGS) as ArrayBuffers, and object arguments
 * (JSON_ARGS) and 'json' results as JSON text. Arguments of the wrong type never crash the host:
 * the call fails softly (false, null or nothing), as the emulator's would. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "host.h"
#include "jsonw.h"
#include "plat.h"
#include "utf8.h"

typedef JSValue hal_fn(boot *b, JSContext *ctx, int argc, JSValueConst *argv);

/* ---- argument helpers ---------------------------------------------------------------------- */

static double num_arg(JSContext *ctx, int argc, JSValueConst *argv, int i, double fallback) {
  double d;
  if (i >= argc || !JS_IsNumber(argv[i]) || JS_ToFloat64(ctx, &d, argv[i]) != 0) return fallback;
  return d;
}

/* A string argument as UTF-8 (free with JS_FreeCString), or NULL when it is not a string. */
static const char *str_arg(JSContext *ctx, int argc, JSValueConst *argv, int i, size_t *len) {
  size_t n;
  if (i >= argc || !JS_IsString(argv[i])) return NULL;
  const char *s = JS_ToCStringLen(ctx, &n, argv[i]);
  if (len != NULL) *len = n;
  return s;
}

/* Octets from an ArrayBuffer argument (a byte string is accepted too, for robustness). */
typedef struct {
  const uint8_t *data;
  size_t len;
  uint8_t *owned;
} bytes_arg;

static int get_bytes(JSContext *ctx, int argc, JSValueConst *argv, int i, bytes_arg *out) {
  memset(out, 0, sizeof *out);
  if (i >= argc) return 0;
  if (JS_IsString(argv[i])) {
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, argv[i]);
    if (s == NULL) return 0;
    out->owned = malloc(n + 1);
    long m = out->owned != NULL ? utf8_to_latin1((const unsigned char *)s, n, out->owned) : -1;
    JS_FreeCString(ctx, s);
    if (m < 0) {
      free(out->owned);
      out->owned = NULL;
      return 0;
    }
    out->data = out->owned;
    out->len = (size_t)m;
    return 1;
  }
  size_t n = 0;
  uint8_t *p = JS_GetArrayBuffer(ctx, &n, argv[i]);
  if (p == NULL) {
    JS_FreeValue(ctx, JS_GetException(ctx)); /* not an ArrayBuffer: no exception left behind */
    return 0;
  }
  out->data = p;
  out->len = n;
  return 1;
}

static void free_bytes(bytes_arg *b) { free(b->owned); }

static JSValue js_bool(JSContext *ctx, int v) { return JS_NewBool(ctx, v != 0); }

static JSValue js_num(JSContext *ctx, double v) {
  if (v == (double)(int32_t)v) return JS_NewInt32(ctx, (int32_t)v);
  return JS_NewFloat64(ctx, v);
}

/* ---- net ------------------------------------------------------------------------------------- */

static JSValue udp_open(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  return js_num(ctx, net_udp_open(b->net, num_arg(ctx, argc, argv, 0, -1)));
}

static JSValue udp_send(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  bytes_arg data;
  int ok = 0;
  if (get_bytes(ctx, argc, argv, 1, &data)) {
    const char *addr = str_arg(ctx, argc, argv, 2, NULL);
    ok = net_udp_send(b->net, (int)num_arg(ctx, argc, argv, 0, -1), data.data, data.len, addr, num_arg(ctx, argc, argv, 3, -1));
    JS_FreeCString(ctx, addr);
    free_bytes(&data);
  }
  return js_bool(ctx, ok);
}

static JSValue udp_close(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  net_udp_close(b->net, (int)num_arg(ctx, argc, argv, 0, -1));
  return JS_UNDEFINED;
}

static JSValue tcp_connect(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  const char *addr = str_arg(ctx, argc, argv, 0, NULL);
  int id = net_tcp_connect(b->net, addr, num_arg(ctx, argc, argv, 1, -1));
  JS_FreeCString(ctx, addr);
  return js_num(ctx, id);
}

static JSValue tcp_listen(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  return js_num(ctx, net_tcp_listen(b->net, num_arg(ctx, argc, argv, 0, -1)));
}

static JSValue tcp_stop_listening(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  net_tcp_stop_listening(b->net, (int)num_arg(ctx, argc, argv, 0, -1));
  return JS_UNDEFINED;
}

static JSValue tcp_write(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  bytes_arg data;
  int ok = 0;
  if (get_bytes(ctx, argc, argv, 1, &data)) {
    ok = net_tcp_write(b->net, (int)num_arg(ctx, argc, argv, 0, -1), data.data, data.len);
    free_bytes(&data);
  }
  return js_bool(ctx, ok);
}

static JSValue tcp_close(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  net_tcp_close(b->net, (int)num_arg(ctx, argc, argv, 0, -1));
  return JS_UNDEFINED;
}

static JSValue dns_query(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  const char *name = str_arg(ctx, argc, argv, 0, NULL), *type = str_arg(ctx, argc, argv, 1, NULL);
  int id = net_dns_query(b->net, name, type);
  JS_FreeCString(ctx, name);
  JS_FreeCString(ctx, type);
  return js_num(ctx, id);
}

static JSValue local_address(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)argc;
  (void)argv;
  return JS_NewString(ctx, net_local_address(b->net));
}

/* ---- audio ----------------------------------------------------------------------------------- */

static JSValue audio_start_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  double rate = num_arg(ctx, argc, argv, 0, 8000), ms = num_arg(ctx, argc, argv, 1, 20);
  audio_start(b->audio, (int)rate, ms, plat_monotonic_ms()); /* it ignores values it cannot run */
  return JS_UNDEFINED;
}

static JSValue audio_stop_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)ctx;
  (void)argc;
  (void)argv;
  audio_stop(b->audio);
  return JS_UNDEFINED;
}

static JSValue audio_play_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  bytes_arg pcm;
  if (get_bytes(ctx, argc, argv, 0, &pcm)) {
    audio_play(b->audio, pcm.data, pcm.len);
    free_bytes(&pcm);
  }
  return JS_UNDEFINED;
}

static JSValue audio_route_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  const char *r = str_arg(ctx, argc, argv, 0, NULL);
  if (r != NULL) audio_route(b->audio, r);
  JS_FreeCString(ctx, r);
  return JS_UNDEFINED;
}

static JSValue audio_volume_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  double v = num_arg(ctx, argc, argv, 0, NAN);
  if (!isnan(v)) audio_volume(b->audio, v);
  return JS_UNDEFINED;
}

static JSValue audio_tone_(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  /* The argument is a JSON array of frequencies: "[350,440]" or "[]". */
  const char *s = str_arg(ctx, argc, argv, 0, NULL);
  double freqs[8];
  int n = 0;
  if (s != NULL) {
    const char *p = strchr(s, '[');
    while (p != NULL && *p != '\0' && *p != ']' && n < 8) {
      p++;
      char *end;
      double f = strtod(p, &end);
      if (end == p) break;
      if (isfinite(f) && f > 0 && f < 20000) freqs[n++] = f;
      p = end;
      while (*p == ' ') p++;
      if (*p != ',') break;
    }
    audio_tone(b->audio, freqs, n);
  }
  JS_FreeCString(ctx, s);
  return JS_UNDEFINED;
}

/* ---- display: the shell's LCD model ---------------------------------------------------------- */

static JSValue display_op(boot *b, JSContext *ctx, int argc, JSValueConst *argv, const char *op) {
  shell_arg a[5];
  const char *strs[5] = {0};
  a[0].kind = SA_STR;
  a[0].str = op;
  a[0].len = strlen(op);
  int n = 1;
  for (int i = 0; i < argc && n < 5; i++, n++) {
    JSValueConst v = argv[i];
    memset(&a[n], 0, sizeof a[n]);
    if (JS_IsNumber(v)) {
      a[n].kind = SA_NUM;
      JS_ToFloat64(ctx, &a[n].num, v);
    } else if (JS_IsBool(v)) {
      a[n].kind = SA_BOOL;
      a[n].num = JS_ToBool(ctx, v);
    } else if (JS_IsString(v)) {
      a[n].kind = SA_STR;
      strs[n] = JS_ToCStringLen(ctx, &a[n].len, v);
      a[n].str = strs[n] != NULL ? strs[n] : "";
    } else {
      a[n].kind = SA_UNDEF;
    }
  }
  char *line = shell_call(b->h->sh, "lcd", n, a);
  for (int i = 0; i < 5; i++) JS_FreeCString(ctx, strs[i]);
  if (line != NULL && line[0] != '\0') host_emit(b->h, line);
  free(line);
  return JS_UNDEFINED;
}

#define DISPLAY(fn, op) \
  static JSValue fn(boot *b, JSContext *ctx, int argc, JSValueConst *argv) { return display_op(b, ctx, argc, argv, op); }
DISPLAY(display_write, "write")
DISPLAY(display_clear, "clear")
DISPLAY(display_flush, "flush")
DISPLAY(display_icon, "icon")
DISPLAY(display_led, "led")
DISPLAY(display_ring, "ring")

/* ---- storage --------------------------------------------------------------------------------- */

static JSValue storage_get(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  size_t klen = 0;
  const char *key = str_arg(ctx, argc, argv, 0, &klen);
  char *value = NULL;
  size_t vlen = 0;
  int found = 0;
  if (key != NULL && strlen(key) == klen) {
    found = b->h->flash != NULL ? flash_storage_get(b->h->flash, key, &value, &vlen) : storage_dir_get(b->h->storage, key, klen, &value, &vlen);
  }
  JS_FreeCString(ctx, key);
  JSValue r = found == 1 ? JS_NewStringLen(ctx, value, vlen) : JS_NULL;
  free(value);
  return r;
}

static JSValue storage_set(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  size_t klen = 0, vlen = 0;
  const char *key = str_arg(ctx, argc, argv, 0, &klen), *value = str_arg(ctx, argc, argv, 1, &vlen);
  int ok = 0;
  if (key != NULL && value != NULL && strlen(key) == klen) {
    ok = b->h->flash != NULL ? flash_storage_set(b->h->flash, key, value, vlen) : storage_dir_set(b->h->storage, key, klen, value, vlen);
  }
  JS_FreeCString(ctx, key);
  JS_FreeCString(ctx, value);
  return js_bool(ctx, ok == 1);
}

static JSValue storage_remove(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  size_t klen = 0;
  const char *key = str_arg(ctx, argc, argv, 0, &klen);
  if (key != NULL && strlen(key) == klen) {
    if (b->h->flash != NULL) flash_storage_remove(b->h->flash, key);
    else storage_dir_remove(b->h->storage, key, klen);
  }
  JS_FreeCString(ctx, key);
  return JS_UNDEFINED;
}

typedef struct {
  jsonw w;
  int first;
} key_json;

static void add_key(const char *key, void *ctx) {
  key_json *k = ctx;
  if (!k->first) jw_raw(&k->w, ",");
  k->first = 0;
  jw_str(&k->w, key);
}

static JSValue storage_keys(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)argc;
  (void)argv;
  key_json k;
  jw_init(&k.w);
  k.first = 1;
  jw_raw(&k.w, "[");
  if (b->h->flash != NULL) flash_storage_keys(b->h->flash, add_key, &k);
  else storage_dir_keys(b->h->storage, add_key, &k);
  jw_raw(&k.w, "]");
  JSValue r = k.w.failed ? JS_NewString(ctx, "[]") : JS_NewString(ctx, jw_text(&k.w));
  jw_free(&k.w);
  return r;
}

/* ---- clock ----------------------------------------------------------------------------------- */

static JSValue clock_now(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)b;
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, floor(plat_wall_ms()));
}

static JSValue clock_monotonic(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, plat_monotonic_ms() - b->started_at);
}

static JSValue clock_set_timer(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  return js_num(ctx, timers_set(b->timers, plat_monotonic_ms(), num_arg(ctx, argc, argv, 0, 0)));
}

static JSValue clock_clear_timer(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  timers_clear(b->timers, (int)num_arg(ctx, argc, argv, 0, -1));
  return JS_UNDEFINED;
}

/* ---- crypto ---------------------------------------------------------------------------------- */

static JSValue random_bytes(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)b;
  double n = num_arg(ctx, argc, argv, 0, 0);
  uint8_t buf[4096];
  if (!(n >= 0 && n <= (double)sizeof buf)) n = 0;
  if (plat_random(buf, (size_t)n) != 0) return JS_NULL;
  return JS_NewArrayBufferCopy(ctx, buf, (size_t)n);
}

static JSValue digest(JSContext *ctx, int argc, JSValueConst *argv, int sha) {
  bytes_arg data;
  uint8_t out[32];
  char hex[65];
  if (!get_bytes(ctx, argc, argv, 0, &data)) return JS_NULL;
  if (sha) quip_sha256(data.data, data.len, out);
  else quip_md5(data.data, data.len, out);
  free_bytes(&data);
  quip_hex(out, sha ? 32 : 16, hex);
  return JS_NewString(ctx, hex);
}

static JSValue crypto_md5(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)b;
  return digest(ctx, argc, argv, 0);
}

static JSValue crypto_sha256(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)b;
  return digest(ctx, argc, argv, 1);
}

/* ---- system ---------------------------------------------------------------------------------- */

static JSValue system_board(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)argc;
  (void)argv;
  return JS_NewString(ctx, b->h->board_json);
}

static JSValue system_log(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  static const char *const names[] = {"debug", "info", "warn", "error"};
  const char *level = str_arg(ctx, argc, argv, 0, NULL);
  const char *msg = argc > 1 ? JS_ToCString(ctx, argv[1]) : NULL;
  log_level l = LOG_INFO;
  for (int i = 0; i < 4; i++)
    if (level != NULL && strcmp(level, names[i]) == 0) l = (log_level)i;
  host_log(b->h, l, msg != NULL ? msg : "");
  JS_FreeCString(ctx, level);
  JS_FreeCString(ctx, msg);
  return JS_UNDEFINED;
}

static JSValue system_emit(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  size_t len;
  const char *json = str_arg(ctx, argc, argv, 0, &len);
  if (json == NULL) return JS_UNDEFINED;
  shell_arg a[2] = {{SA_STR, json, len, 0}, {SA_STR, b->h->facts, strlen(b->h->facts), 0}};
  char *out = shell_call(b->h->sh, "firmwareEvent", 2, a);
  JS_FreeCString(ctx, json);
  shell_json *j = out != NULL && out[0] != '\0' ? shell_json_parse(b->h->sh, out) : NULL;
  free(out);
  if (j == NULL) return JS_UNDEFINED;
  char *line = shell_json_str(j, "line");
  if (shell_json_bool(j, "boot") == 1) b->h->backoff_ms = 0; /* a boot that got this far resets the crash back-off */
  if (line != NULL) host_emit(b->h, line);
  free(line);
  shell_json_free(j);
  return JS_UNDEFINED;
}

static JSValue system_reboot(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  const char *why = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
  /* Not from inside the VM call that asked: the host reboots once this call has returned. */
  b->reboot_requested = 1;
  snprintf(b->reboot_reason, sizeof b->reboot_reason, "firmware: %s", why != NULL ? why : "");
  JS_FreeCString(ctx, why);
  return JS_UNDEFINED;
}

static JSValue system_boot_ok(boot *b, JSContext *ctx, int argc, JSValueConst *argv) {
  (void)ctx;
  (void)argc;
  (void)argv;
  char ev[512];
  if (b->h->flash != NULL && flash_confirm(b->h->flash, ev, sizeof ev) == 1) host_emit(b->h, ev);
  return JS_UNDEFINED;
}

/* ---- the table ------------------------------------------------------------------------------- */

/* How a call's first argument travels. ARG_JSON: an object or array as JSON text (hal/contract.ts
 * JSON_ARGS; test/host/contract.test.ts checks this table against it). */
typedef enum { ARG_PLAIN, ARG_JSON } arg_kind;

typedef struct {
  const char *name;
  hal_fn *fn;
  arg_kind arg;
} hal_entry;

static const hal_entry TABLE[] = {
    {"net.udpOpen", udp_open, ARG_PLAIN},
    {"net.udpSend", udp_send, ARG_PLAIN},
    {"net.udpClose", udp_close, ARG_PLAIN},
    {"net.tcpConnect", tcp_connect, ARG_PLAIN},
    {"net.tcpListen", tcp_listen, ARG_PLAIN},
    {"net.tcpStopListening", tcp_stop_listening, ARG_PLAIN},
    {"net.tcpWrite", tcp_write, ARG_PLAIN},
    {"net.tcpClose", tcp_close, ARG_PLAIN},
    {"net.dnsQuery", dns_query, ARG_PLAIN},
    {"net.localAddress", local_address, ARG_PLAIN},
    {"audio.start", audio_start_, ARG_PLAIN},
    {"audio.stop", audio_stop_, ARG_PLAIN},
    {"audio.play", audio_play_, ARG_PLAIN},
    {"audio.route", audio_route_, ARG_PLAIN},
    {"audio.volume", audio_volume_, ARG_PLAIN},
    {"audio.tone", audio_tone_, ARG_JSON},
    {"display.write", display_write, ARG_PLAIN},
    {"display.clear", display_clear, ARG_PLAIN},
    {"display.flush", display_flush, ARG_PLAIN},
    {"display.icon", display_icon, ARG_PLAIN},
    {"display.led", display_led, ARG_PLAIN},
    {"display.ring", display_ring, ARG_PLAIN},
    {"storage.get", storage_get, ARG_PLAIN},
    {"storage.set", storage_set, ARG_PLAIN},
    {"storage.remove", storage_remove, ARG_PLAIN},
    {"storage.keys", storage_keys, ARG_PLAIN},
    {"clock.now", clock_now, ARG_PLAIN},
    {"clock.monotonic", clock_monotonic, ARG_PLAIN},
    {"clock.setTimer", clock_set_timer, ARG_PLAIN},
    {"clock.clearTimer", clock_clear_timer, ARG_PLAIN},
    {"crypto.randomBytes", random_bytes, ARG_PLAIN},
    {"crypto.md5", crypto_md5, ARG_PLAIN},
    {"crypto.sha256", crypto_sha256, ARG_PLAIN},
    {"system.board", system_board, ARG_PLAIN},
    {"system.log", system_log, ARG_PLAIN},
    {"system.emit", system_emit, ARG_JSON},
    {"system.reboot", system_reboot, ARG_PLAIN},
    {"system.bootOk", system_boot_ok, ARG_PLAIN},
};

#define TABLE_SIZE (sizeof TABLE / sizeof TABLE[0])

const char *host_call_name(size_t i) { return i < TABLE_SIZE ? TABLE[i].name : NULL; }


JSValue host_hal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  boot *b = JS_GetContextOpaque(ctx);
  if (argc < 1 || b == NULL) return JS_UNDEFINED;
  const char *op = JS_ToCString(ctx, argv[0]);
  if (op == NULL) return JS_EXCEPTION;
  for (size_t i = 0; i < TABLE_SIZE; i++) {
    if (strcmp(TABLE[i].name, op) == 0) {
      JS_FreeCString(ctx, op);
      /* Not JSON text: nothing to parse, so no call (the soft failure of any bad argument). */
      if (TABLE[i].arg == ARG_JSON && (argc < 2 || !JS_IsString(argv[1]))) return JS_UNDEFINED;
      return TABLE[i].fn(b, ctx, argc - 1, argv + 1);
    }
  }
  JSValue e = JS_ThrowTypeError(ctx, "host: unknown HAL call '%s'", op);
  JS_FreeCString(ctx, op);
  return e;
}
