/* Start-up of the phone: the host shell, the board config (checked by the emulator's own schema
 * through the shell), the firmware source (image, bundle or flash) and the storage. Each step
 * prints its own clear error; host_setup_free() releases whatever was set up. */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "file_read.h"
#include "image.h"
#include "jsonw.h"
#include "options.h"

extern const char quip_shell_js[];
extern const size_t quip_shell_js_len;

#define MAX_IMAGE_BYTES (64u << 20)
#define MAX_CONFIG_BYTES (1u << 20)

/* The command line's board overrides as loadBoard wants them. */
static void overrides_json(const host_options *o, jsonw *w) {
  int first = 1;
  jw_raw(w, "{");
  if (o->account != NULL) { jw_key(w, &first, "account"); jw_str(w, o->account); }
  if (o->sip_port != NULL) { jw_key(w, &first, "sipPort"); jw_str(w, o->sip_port); }
  if (o->sip_transport != NULL) { jw_key(w, &first, "sipTransport"); jw_str(w, o->sip_transport); }
  if (o->provisioning_url != NULL) { jw_key(w, &first, "provisioningUrl"); jw_str(w, o->provisioning_url); }
  if (o->accept_direct_calls) { jw_key(w, &first, "acceptDirectCalls"); jw_raw(w, "true"); }
  jw_raw(w, "}");
}

/* Reads and checks the board config; the checked result stays in *out for the later steps. */
static int load_board(host *h, shell_json **out) {
  const host_options *o = &h->o;
  char path[4096], err[512] = "";
  const char *b = o->board;
  size_t blen = strlen(b);
  if (strchr(b, '/') != NULL || strchr(b, '\\') != NULL || (blen > 5 && strcmp(b + blen - 5, ".json") == 0)) snprintf(path, sizeof path, "%s", b);
  else snprintf(path, sizeof path, "%s/%s.json", o->boards_dir, b);
  size_t len;
  char *cfg = (char *)read_file(path, MAX_CONFIG_BYTES, &len, err, sizeof err);
  if (cfg == NULL) {
    fprintf(stderr, "error: cannot read board config %s: %s\n", path, err);
    return 1;
  }
  jsonw ov;
  jw_init(&ov);
  overrides_json(o, &ov);
  char *loaded = shell_call_str(h->sh, "loadBoard", 3, (const char *const[]){cfg, path, jw_text(&ov)});
  jw_free(&ov);
  free(cfg);
  shell_json *cj = loaded != NULL ? shell_json_parse(h->sh, loaded) : NULL;
  free(loaded);
  if (cj == NULL) {
    fprintf(stderr, "error: the board config could not be checked\n");
    return 1;
  }
  if (shell_json_bool(cj, "ok") != 1) {
    char *m = shell_json_str(cj, "error");
    int code = (int)shell_json_num(cj, "exit", 1) == 2 ? 2 : 1;
    if (code == 2) usage(m != NULL ? m : "bad option");
    else fprintf(stderr, "error: %s\n", m != NULL ? m : "bad board config");
    free(m);
    shell_json_free(cj);
    return code;
  }
  h->board_json = shell_json_text(cj, "board");
  h->board_keys = shell_json_text(cj, "board.keys");
  char *id = shell_json_str(cj, "board.id"), *version = shell_json_str(cj, "board.firmwareVersion");
  snprintf(h->board_id, sizeof h->board_id, "%s", id != NULL ? id : "");
  snprintf(h->version, sizeof h->version, "%s", version != NULL ? version : "");
  free(id);
  free(version);
  h->heap_limit = (size_t)shell_json_num(cj, "board.heapLimitBytes", 16 << 20);
  h->stack_limit = (size_t)shell_json_num(cj, "stackBytes", 256 << 10);
  h->watchdog_ms = shell_json_num(cj, "watchdogMs", 2000);
  h->lcd_rows = (int)shell_json_num(cj, "board.display.rows", 2);
  h->lcd_cols = (int)shell_json_num(cj, "board.display.cols", 16);
  *out = cj;
  if (h->board_json == NULL || h->board_keys == NULL) {
    fprintf(stderr, "error: the board config could not be checked\n");
    return 1;
  }
  return 0;
}

/* The flash file and its boot loader, with the board's layout and key. */
static int open_flash(host *h, shell_json *cj) {
  char err[1024] = "";
  if (shell_json_num(cj, "flash.size", 0) <= 0) {
    fprintf(stderr, "error: board %s has no \"flash\" section in its config\n", h->board_id);
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
    long n = quip_base64_decode(k64, strlen(k64), key, sizeof key);
    free(k64);
    if (n != 32) {
      fprintf(stderr, "error: board %s: update.publicKey is not a 32-byte Ed25519 key\n", h->board_id);
      return 1;
    }
    pub = key;
  }
  h->flash = flash_open(h->o.flash, &L, h->board_id, pub, err, sizeof err);
  if (h->flash == NULL) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  return 0;
}

/* An image (checked as the boot loader checks it) or a plain bundle. */
static int load_code(host *h) {
  char err[1024] = "";
  size_t len;
  const char *file = h->o.image != NULL ? h->o.image : h->o.bundle;
  uint8_t *bytes = read_file(file, MAX_IMAGE_BYTES, &len, err, sizeof err);
  if (bytes == NULL) {
    fprintf(stderr, "error: cannot read %s %s: %s\n", h->o.image != NULL ? "image" : "bundle", file, err);
    return 1;
  }
  if (h->o.image == NULL) {
    h->code = bytes;
    h->code_len = len;
    snprintf(h->entry, sizeof h->entry, "quipFirmware");
    return 0;
  }
  image_info info;
  int code = 0;
  if (image_read(bytes, len, h->board_id, NULL, &info, err, sizeof err) != 0) {
    fprintf(stderr, "error: refusing image %s: %s\n", file, err);
    code = 1;
  } else if (info.payload_type[0] != '\0' && strcmp(info.engine, QUIP_BYTECODE_ENGINE) != 0) {
    fprintf(stderr, "error: refusing image %s: its bytecode is for %s, this host's engine is %s (rebuild it with quip build --native)\n", file, info.engine, QUIP_BYTECODE_ENGINE);
    code = 1;
  } else if ((h->code = malloc(info.payload_len + 1)) == NULL) {
    fprintf(stderr, "error: out of memory\n");
    code = 1;
  } else {
    h->bytecode = info.payload_type[0] != '\0';
    memcpy(h->code, info.payload, info.payload_len);
    h->code_len = info.payload_len;
    snprintf(h->entry, sizeof h->entry, "%s", info.entry);
    host_set_firmware_version(h, info.version);
  }
  free(bytes);
  return code;
}

static int open_storage(host *h) {
  char dir[4096], err[512] = "";
  if (h->o.data_dir != NULL) {
    snprintf(dir, sizeof dir, "%s", h->o.data_dir);
  } else {
    const char *home = getenv("HOME");
    if (home == NULL) home = getenv("USERPROFILE");
    snprintf(dir, sizeof dir, "%s/.quip/%s", home != NULL ? home : ".", h->board_id);
  }
  h->storage = storage_dir_open(dir, err, sizeof err);
  if (h->storage == NULL) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  return 0;
}

/* A microphone file that cannot be read is a setup mistake: said before booting, not at each boot. */
static int check_audio_input(host *h) {
  char err[512] = "";
  audio_options ao = {h->o.audio_in, NULL, 1, 0};
  if (h->o.audio_in == NULL) return 0;
  quip_audio *a = audio_create(&ao, err, sizeof err);
  if (a == NULL) {
    fprintf(stderr, "error: --audio-in %s: %s\n", h->o.audio_in, err);
    return 1;
  }
  audio_close(a);
  return 0;
}

int host_setup(host *h) {
  char err[2048] = "";
  h->sh = shell_open(quip_shell_js, quip_shell_js_len, err, sizeof err);
  if (h->sh == NULL) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  shell_json *cj = NULL;
  int code = load_board(h, &cj);
  if (code == 0) code = h->o.flash != NULL ? open_flash(h, cj) : load_code(h);
  shell_json_free(cj);
  if (code == 0 && h->flash == NULL) code = open_storage(h);
  if (code == 0) code = check_audio_input(h);
  return code;
}

void host_setup_free(host *h) {
  if (h->flash != NULL) flash_close(h->flash);
  storage_dir_close(h->storage);
  free(h->code);
  free(h->board_json);
  free(h->board_keys);
  shell_close(h->sh);
  h->flash = NULL;
  h->storage = NULL;
  h->code = NULL;
  h->board_json = h->board_keys = NULL;
  h->sh = NULL;
}
