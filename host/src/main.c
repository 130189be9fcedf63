/* quip-host: the native board host. Runs the quip firmware bundle in the QuickJS C engine on
 * the HAL of this machine (sockets, timers, files, WAV audio, the JSON-lines control channel),
 * with the board config's heap limit and watchdog, and boots what `quip flash` writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "file_read.h"
#include "host_loop.h"
#include "image.h"
#include "jsonw.h"
#include "plat.h"

extern const char quip_shell_js[];
extern const size_t quip_shell_js_len;

#ifndef QUIP_HOST_TARGET
#define QUIP_HOST_TARGET "unknown"
#endif

static const char HELP[] =
    "Usage: quip-host [options]\n"
    "\n"
    "Runs the quip firmware on this machine: the firmware bundle inside the QuickJS C engine\n"
    "(" QUIP_ENGINE ") with the board's heap limit and watchdog, on a HAL of real UDP/TCP\n"
    "sockets, DNS, timers, WAV audio and a storage directory. Speaks the same JSON-lines control\n"
    "protocol as `quip emulate --control stdio`. Target: " QUIP_HOST_TARGET ".\n"
    "\n"
    "Firmware (one of):\n"
    "  --image <file>          a firmware image (quip build; quip build --native for bytecode)\n"
    "  --flash <file>          boot from a flash file (quip flash writes one): the boot loader picks\n"
    "                          slot A or B (SHA-256, and the signature when the board has\n"
    "                          update.publicKey), counts trial boots, rolls back; settings live in\n"
    "                          the flash's storage partition\n"
    "  --bundle <file.js>      a plain firmware bundle (development)\n"
    "\n"
    "Options:\n"
    "  --board <name|file>     board config: board-configs/<name>.json or a path (default desk6)\n"
    "  --boards-dir <dir>      where board names are looked up (default ./board-configs)\n"
    "  --account <uri>         sip:user:password@host[:port] - replaces the board's accounts\n"
    "  --provisioning-url <u>  fetch the config from this http URL on boot\n"
    "  --sip-port <n>          local SIP port (0 = any free port; default from the board)\n"
    "  --sip-transport <t>     udp or tcp toward the registrar/proxy\n"
    "  --accept-direct-calls   ring for calls that do not come through the registrar/proxy\n"
    "  --audio-in <wav>        what the microphone hears (looped; --audio-once plays it once)\n"
    "  --audio-out <wav>       records everything the speaker plays\n"
    "  --audio-once            play --audio-in once, then silence\n"
    "  --control stdio|none    JSON lines: commands on stdin, events on stdout (default none)\n"
    "  --data-dir <dir>        storage directory (default ~/.quip/<board>; unused with --flash)\n"
    "  --bind <address>        local address for sockets (default 0.0.0.0)\n"
    "  --advertise <address>   address to tell peers (default: the bind address, else the first\n"
    "                          non-loopback IPv4)\n"
    "  --dns-server <ip[:port]>[,...]  DNS servers (default: /etc/resolv.conf)\n"
    "  --log-level <level>     debug|info|warn|error|none, to stderr (default warn)\n"
    "  --compile <in.js> <out> compile a bundle to this engine's bytecode and exit\n"
    "  --run <script.js>       run a script with print(), now(), cpuMs() and exit (benchmarks)\n"
    "  --hal-calls             list the HAL calls this host answers and exit\n"
    "  --version               print the host's version and engine and exit\n"
    "  -h, --help              show this help\n"
    "\n"
    "Control channel input, one JSON object per line:\n"
    "  {\"key\":\"5\"}  {\"key\":\"hook\",\"down\":true}  {\"dial\":\"sip:bob@127.0.0.1:5070\"}\n"
    "  {\"cmd\":\"reboot\"}  {\"cmd\":\"quit\"}  {\"cmd\":\"history\"}\n"
    "Output events, one per line: boot, display, registered, call_state, watchdog, reboot,\n"
    "error, ... as quip emulate prints them.\n";

static int usage(const char *message) {
  fprintf(stderr, "quip-host: %s\nRun 'quip-host --help' for usage.\n", message);
  return 2;
}


static int run_script(const char *path);

typedef struct {
  const char *name;
  const char **value;
} string_opt;

int main(int argc, char **argv) {
  static host h;
  host_options *o = &h.o;
  memset(&h, 0, sizeof h);
  o->board = "desk6";
  o->boards_dir = "board-configs";
  o->bind = "0.0.0.0";
  o->log = LOG_WARN;
  const char *control = "none", *log = "warn";
  string_opt strings[] = {
      {"--board", &o->board}, {"--boards-dir", &o->boards_dir}, {"--image", &o->image}, {"--bundle", &o->bundle},
      {"--flash", &o->flash}, {"--account", &o->account}, {"--provisioning-url", &o->provisioning_url},
      {"--sip-port", &o->sip_port}, {"--sip-transport", &o->sip_transport}, {"--audio-in", &o->audio_in},
      {"--audio-out", &o->audio_out}, {"--control", &control}, {"--data-dir", &o->data_dir}, {"--bind", &o->bind},
      {"--advertise", &o->advertise}, {"--dns-server", &o->dns_servers}, {"--log-level", &log},
  };
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(HELP, stdout);
      return 0;
    }
    if (strcmp(a, "--version") == 0) {
      printf("quip-host %s (%s, %s)\n", QUIP_VERSION, QUIP_ENGINE, QUIP_HOST_TARGET);
      return 0;
    }
    if (strcmp(a, "--hal-calls") == 0) {
      for (size_t k = 0; host_call_name(k) != NULL; k++) puts(host_call_name(k));
      return 0;
    }
    if (strcmp(a, "--compile") == 0) {
      if (i + 2 >= argc) return usage("--compile needs <in.js> <out>");
      char err[1024] = "";
      size_t len, out_len;
      uint8_t *src = read_file(argv[i + 1], 64u << 20, &len, err, sizeof err);
      if (src == NULL) {
        fprintf(stderr, "error: cannot read %s: %s\n", argv[i + 1], err);
        return 1;
      }
      uint8_t *bc = fw_compile((const char *)src, len, &out_len, err, sizeof err);
      free(src);
      if (bc == NULL) {
        fprintf(stderr, "error: %s %s\n", argv[i + 1], err);
        return 1;
      }
      FILE *f = fopen(argv[i + 2], "wb");
      int ok = f != NULL && fwrite(bc, 1, out_len, f) == out_len;
      if (f != NULL) ok = fclose(f) == 0 && ok;
      free(bc);
      if (!ok) {
        fprintf(stderr, "error: cannot write %s\n", argv[i + 2]);
        return 1;
      }
      return 0;
    }
    if (strcmp(a, "--run") == 0) {
      if (i + 1 >= argc) return usage("--run needs <script.js>");
      return run_script(argv[i + 1]);
    }
    if (strcmp(a, "--accept-direct-calls") == 0) {
      o->accept_direct_calls = 1;
      continue;
    }
    if (strcmp(a, "--audio-once") == 0) {
      o->audio_once = 1;
      continue;
    }
    size_t k;
    for (k = 0; k < sizeof strings / sizeof strings[0]; k++) {
      if (strcmp(a, strings[k].name) == 0) break;
    }
    if (k == sizeof strings / sizeof strings[0]) {
      char m[256];
      snprintf(m, sizeof m, "unknown option '%s'", a);
      return usage(m);
    }
    if (i + 1 >= argc) {
      char m[256];
      snprintf(m, sizeof m, "option '%s' needs a value", a);
      return usage(m);
    }
    *strings[k].value = argv[++i];
  }
  if (strcmp(control, "stdio") == 0) o->control_stdio = 1;
  else if (strcmp(control, "none") != 0) return usage("--control must be stdio or none");
  static const char *const levels[] = {"debug", "info", "warn", "error", "none"};
  int lv = -1;
  for (int i = 0; i < 5; i++)
    if (strcmp(log, levels[i]) == 0) lv = i;
  if (lv < 0) return usage("--log-level must be one of debug, info, warn, error, none");
  o->log = (log_level)lv;
  int sources = (o->image != NULL) + (o->bundle != NULL) + (o->flash != NULL);
  if (sources == 0) return usage("no firmware: give --image, --flash or --bundle");
  if (sources > 1) return usage("--image, --flash and --bundle are exclusive: one firmware per board");

  char err[2048] = "";
  h.sh = shell_open(quip_shell_js, quip_shell_js_len, err, sizeof err);
  if (h.sh == NULL) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }

  /* The board config, checked by the same code as the emulator's (hal/board-schema.ts). */
  char path[4096];
  const char *b = o->board;
  size_t blen = strlen(b);
  if (strchr(b, '/') != NULL || strchr(b, '\\') != NULL || (blen > 5 && strcmp(b + blen - 5, ".json") == 0)) snprintf(path, sizeof path, "%s", b);
  else snprintf(path, sizeof path, "%s/%s.json", o->boards_dir, b);
  size_t cfg_len;
  char *cfg = (char *)read_file(path, 1u << 20, &cfg_len, err, sizeof err);
  if (cfg == NULL) {
    fprintf(stderr, "error: cannot read board config %s: %s\n", path, err);
    return 1;
  }
  jsonw ov;
  jw_init(&ov);
  int first = 1;
  jw_raw(&ov, "{");
  if (o->account != NULL) { jw_key(&ov, &first, "account"); jw_str(&ov, o->account); }
  if (o->sip_port != NULL) { jw_key(&ov, &first, "sipPort"); jw_str(&ov, o->sip_port); }
  if (o->sip_transport != NULL) { jw_key(&ov, &first, "sipTransport"); jw_str(&ov, o->sip_transport); }
  if (o->provisioning_url != NULL) { jw_key(&ov, &first, "provisioningUrl"); jw_str(&ov, o->provisioning_url); }
  if (o->accept_direct_calls) { jw_key(&ov, &first, "acceptDirectCalls"); jw_raw(&ov, "true"); }
  jw_raw(&ov, "}");
  char *loaded = shell_call_str(h.sh, "loadBoard", 3, (const char *const[]){cfg, path, jw_text(&ov)});
  jw_free(&ov);
  free(cfg);
  shell_json *cj = loaded != NULL ? shell_json_parse(h.sh, loaded) : NULL;
  free(loaded);
  if (cj == NULL) {
    fprintf(stderr, "error: the board config could not be checked\n");
    return 1;
  }
  if (shell_json_bool(cj, "ok") != 1) {
    char *m = shell_json_str(cj, "error");
    int code = (int)shell_json_num(cj, "exit", 1);
    if (code == 2) usage(m != NULL ? m : "bad option");
    else fprintf(stderr, "error: %s\n", m != NULL ? m : "bad board config");
    free(m);
    shell_json_free(cj);
    return code == 2 ? 2 : 1;
  }
  h.board_json = shell_json_text(cj, "board");
  h.board_keys = shell_json_text(cj, "board.keys");
  char *id = shell_json_str(cj, "board.id");
  char *version = shell_json_str(cj, "board.firmwareVersion");
  snprintf(h.board_id, sizeof h.board_id, "%s", id != NULL ? id : "");
  snprintf(h.version, sizeof h.version, "%s", version != NULL ? version : "");
  free(id);
  free(version);
  h.heap_limit = (size_t)shell_json_num(cj, "board.heapLimitBytes", 16 << 20);
  h.stack_limit = (size_t)shell_json_num(cj, "stackBytes", 256 << 10);
  h.watchdog_ms = shell_json_num(cj, "watchdogMs", 2000);
  double rows = shell_json_num(cj, "board.display.rows", 2), cols = shell_json_num(cj, "board.display.cols", 16);
  if (h.board_json == NULL || h.board_keys == NULL) {
    fprintf(stderr, "error: the board config could not be checked\n");
    return 1;
  }

  if (o->flash != NULL) {
    if (shell_json_num(cj, "flash.size", 0) <= 0) {
      fprintf(stderr, "error: board %s has no \"flash\" section in its config\n", h.board_id);
      shell_json_free(cj);
      return 1;
    }
    flash_layout L;
    memset(&L, 0, sizeof L);
    L.size = (uint32_t)shell_json_num(cj, "flash.size", 0);
    L.erase_size = (uint32_t)shell_json_num(cj, "flash.eraseSize", 0);
    L.boot_off[0] = (uint32_t)shell_json_num(cj, "flash.bootRecords.0.offset", 0);
    L.boot_off[1] = (uint32_t)shell_json_num(cj, "flash.bootRecords.1.offset", 0);
    L.slot_off[0] = (uint32_t)shell_json_num(cj, "flash.slots.0.offset", 0);
    L.slot_off[1] = (uint32_t)shell_json_num(cj, "flash.slots.1.offset", 0);
    L.slot_size = (uint32_t)shell_json_num(cj, "flash.slots.0.size", 0);
    L.storage_off = (uint32_t)shell_json_num(cj, "flash.storage.offset", 0);
    L.storage_size = (uint32_t)shell_json_num(cj, "flash.storage.size", 0);
    L.max_trial_boots = (int)shell_json_num(cj, "flash.maxTrialBoots", 3);
    L.confirm_after_s = (int)shell_json_num(cj, "flash.confirmAfterS", 30);
    uint8_t key[32];
    const uint8_t *pub = NULL;
    char *k64 = shell_json_str(cj, "publicKey");
    if (k64 != NULL) {
      if (quip_base64_decode(k64, strlen(k64), key, sizeof key) != 32) {
        fprintf(stderr, "error: board %s: update.publicKey is not a 32-byte Ed25519 key\n", h.board_id);
        free(k64);
        shell_json_free(cj);
        return 1;
      }
      pub = key;
      free(k64);
    }
    h.flash = flash_open(o->flash, &L, h.board_id, pub, err, sizeof err);
    if (h.flash == NULL) {
      fprintf(stderr, "error: %s\n", err);
      shell_json_free(cj);
      return 1;
    }
  } else {
    size_t len;
    const char *file = o->image != NULL ? o->image : o->bundle;
    uint8_t *bytes = read_file(file, 64u << 20, &len, err, sizeof err);
    if (bytes == NULL) {
      fprintf(stderr, "error: cannot read %s %s: %s\n", o->image != NULL ? "image" : "bundle", file, err);
      shell_json_free(cj);
      return 1;
    }
    if (o->image != NULL) {
      image_info info;
      if (image_read(bytes, len, h.board_id, NULL, &info, err, sizeof err) != 0) {
        fprintf(stderr, "error: refusing image %s: %s\n", file, err);
        free(bytes);
        shell_json_free(cj);
        return 1;
      }
      if (info.payload_type[0] != '\0' && strcmp(info.engine, QUIP_BYTECODE_ENGINE) != 0) {
        fprintf(stderr, "error: refusing image %s: its bytecode is for %s, this host's engine is %s (rebuild it with quip build --native)\n", file, info.engine, QUIP_BYTECODE_ENGINE);
        free(bytes);
        shell_json_free(cj);
        return 1;
      }
      h.bytecode = info.payload_type[0] != '\0';
      h.code = malloc(info.payload_len + 1);
      if (h.code == NULL) return 1;
      memcpy(h.code, info.payload, info.payload_len);
      h.code_len = info.payload_len;
      snprintf(h.entry, sizeof h.entry, "%s", info.entry);
      char *board = shell_call_str(h.sh, "withVersion", 2, (const char *const[]){h.board_json, info.version});
      if (board != NULL) {
        free(h.board_json);
        h.board_json = board;
      }
      free(bytes);
    } else {
      h.code = bytes;
      h.code_len = len;
      snprintf(h.entry, sizeof h.entry, "quipFirmware");
    }
  }
  shell_json_free(cj);

  if (h.flash == NULL) {
    char dir[4096];
    if (o->data_dir != NULL) snprintf(dir, sizeof dir, "%s", o->data_dir);
    else {
      const char *home = getenv("HOME");
      if (home == NULL) home = getenv("USERPROFILE");
      snprintf(dir, sizeof dir, "%s/.quip/%s", home != NULL ? home : ".", h.board_id);
    }
    h.storage = storage_dir_open(dir, err, sizeof err);
    if (h.storage == NULL) {
      fprintf(stderr, "error: %s\n", err);
      return 1;
    }
  }

  if (plat_net_init() != 0) {
    fprintf(stderr, "error: cannot start networking\n");
    return 1;
  }
  plat_catch_quit_signals();
  host_input in;
  memset(&in, 0, sizeof in);
  if (o->control_stdio) {
    in.sock = plat_stdin_open();
    in.open = in.sock != PLAT_NO_SOCK;
  }
  shell_arg dims[2] = {{SA_NUM, NULL, 0, rows}, {SA_NUM, NULL, 0, cols}};
  free(shell_call(h.sh, "lcdOpen", 2, dims));
  host_boot(&h);
  int code = host_run(&h, o->control_stdio ? &in : NULL);
  if (h.flash != NULL) flash_close(h.flash);
  storage_dir_close(h.storage);
  free(h.code);
  free(h.board_json);
  free(h.board_keys);
  shell_close(h.sh);
  return code;
}

/* ---- --run: a script with a minimal API, for measuring the engine itself ---------------------- */

static JSValue js_print(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  for (int i = 0; i < argc; i++) {
    const char *s = JS_ToCString(ctx, argv[i]);
    if (s != NULL) fputs(s, stdout);
    JS_FreeCString(ctx, s);
  }
  fputc('\n', stdout);
  fflush(stdout);
  return JS_UNDEFINED;
}

static JSValue js_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, plat_monotonic_ms());
}

static JSValue js_cpu(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, plat_cpu_ms());
}

static int run_script(const char *path) {
  char err[512] = "";
  size_t len;
  uint8_t *src = read_file(path, 64u << 20, &len, err, sizeof err);
  if (src == NULL) {
    fprintf(stderr, "error: cannot read %s: %s\n", path, err);
    return 1;
  }
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JSValue g = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, g, "print", JS_NewCFunction(ctx, js_print, "print", 1));
  JS_SetPropertyStr(ctx, g, "now", JS_NewCFunction(ctx, js_now, "now", 0));
  JS_SetPropertyStr(ctx, g, "cpuMs", JS_NewCFunction(ctx, js_cpu, "cpuMs", 0));
  JS_FreeValue(ctx, g);
  JSValue r = JS_Eval(ctx, (const char *)src, len, path, JS_EVAL_TYPE_GLOBAL);
  free(src);
  int code = 0;
  if (JS_IsException(r)) {
    JSValue e = JS_GetException(ctx);
    const char *m = JS_ToCString(ctx, e);
    fprintf(stderr, "error: %s: %s\n", path, m != NULL ? m : "exception");
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, e);
    code = 1;
  }
  JS_FreeValue(ctx, r);
  for (;;) {
    JSContext *c;
    if (JS_ExecutePendingJob(rt, &c) <= 0) break;
  }
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return code;
}
