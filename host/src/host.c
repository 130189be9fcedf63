/* Boots, faults, reboots and the event loop: the same life cycle as the emulator's
 * (hal/emulator/emulator.ts): a fault is reported with its kind, the boot is torn down
 * (sockets, timers, audio, VM) and a fresh one starts after a back-off that doubles while boots
 * keep failing fast (250 ms .. 8 s); storage and the LCD model survive. */
#include "host_loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "plat.h"

#define FIRST_BACKOFF_MS 250.0
#define MAX_BACKOFF_MS 8000.0
#define HEALTHY_AFTER_MS 5000.0
#define SHUTDOWN_GRACE_MS 300.0
#define MAX_POLL 256

void host_emit(host *h, const char *json_line) {
  if (!h->o.control_stdio) return;
  fputs(json_line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

void host_log(host *h, log_level level, const char *message) {
  static const char *const names[] = {"debug", "info", "warn", "error"};
  if (level < h->o.log || level >= LOG_NONE) return;
  fprintf(stderr, "[%s] %s\n", names[level], message);
}

void host_emit_error(host *h, const char *where, const char *message) {
  jsonw w;
  jw_init(&w);
  jw_raw(&w, "{\"event\":\"error\",\"where\":");
  jw_str(&w, where);
  jw_raw(&w, ",\"message\":");
  jw_str(&w, message);
  jw_raw(&w, "}");
  host_emit(h, jw_text(&w));
  jw_free(&w);
}

void host_set_firmware_version(host *h, const char *version) {
  char *board = shell_call_str(h->sh, "withVersion", 2, (const char *const[]){h->board_json, version});
  if (board == NULL) return;
  free(h->board_json);
  h->board_json = board;
  snprintf(h->version, sizeof h->version, "%s", version);
}

static void emit_reboot(host *h, const char *reason) {
  jsonw w;
  jw_init(&w);
  jw_raw(&w, "{\"event\":\"reboot\",\"reason\":");
  jw_str(&w, reason);
  jw_raw(&w, "}");
  host_emit(h, jw_text(&w));
  jw_free(&w);
}

static void teardown(host *h) {
  boot *b = h->b;
  h->b = NULL;
  h->generation++;
  if (b == NULL) return;
  fw_vm_free(b->vm);
  evq_clear(&b->queue);
  net_close(b->net);
  timers_free(b->timers);
  audio_close(b->audio);
  free(b);
}

/* The halted board: nothing valid to boot, as hardware would show it until reflashed. */
static void halt_screen(host *h, const char *message) {
  host_emit_error(h, "bootloader", message);
  fprintf(stderr, "boot loader: %s\n", message);
  char *r = shell_call_str(h->sh, "lcdReset", 0, NULL);
  free(r);
  const char *writes[2][2] = {{"0", "Boot failed"}, {"1", "No valid firmware"}};
  for (int i = 0; i < 2; i++) {
    shell_arg a[4] = {{SA_STR, "write", 5, 0}, {SA_NUM, NULL, 0, (double)i}, {SA_NUM, NULL, 0, 0}, {SA_STR, writes[i][1], strlen(writes[i][1]), 0}};
    free(shell_call(h->sh, "lcd", 4, a));
  }
  shell_arg f[1] = {{SA_STR, "flush", 5, 0}};
  char *line = shell_call(h->sh, "lcd", 1, f);
  if (line != NULL && line[0] != '\0') host_emit(h, line);
  free(line);
}

/* A rollback on stderr too, worded as `quip emulate` words it: someone flashing a board must see it. */
static void rollback_note(host *h, const char *event_json) {
  shell_json *j = shell_json_parse(h->sh, event_json);
  char *from = j != NULL ? shell_json_str(j, "from") : NULL, *from_v = j != NULL ? shell_json_str(j, "from_version") : NULL;
  char *to = j != NULL ? shell_json_str(j, "to") : NULL, *to_v = j != NULL ? shell_json_str(j, "to_version") : NULL;
  char *detail = j != NULL ? shell_json_str(j, "detail") : NULL;
  fprintf(stderr, "rollback: slot %s%s%s%s \xe2\x86\x92 slot %s (%s): %s\n", from != NULL ? from : "?", from_v != NULL ? " (" : "",
          from_v != NULL ? from_v : "", from_v != NULL ? ")" : "", to != NULL ? to : "?", to_v != NULL ? to_v : "?", detail != NULL ? detail : "");
  free(from);
  free(from_v);
  free(to);
  free(to_v);
  free(detail);
  shell_json_free(j);
}

/* The firmware for this boot: the fixed image/bundle, or what the boot loader picks. */
static int load_firmware(host *h, const uint8_t **code, size_t *len, int *bytecode, char *entry, size_t entry_cap, flash_boot_result *fb) {
  memset(fb, 0, sizeof *fb);
  if (h->flash == NULL) {
    *code = h->code;
    *len = h->code_len;
    *bytecode = h->bytecode;
    snprintf(entry, entry_cap, "%s", h->entry);
    h->facts[0] = '\0';
    return 0;
  }
  char err[1024];
  if (flash_boot(h->flash, fb, err, sizeof err) != 0) {
    halt_screen(h, err);
    return -1;
  }
  /* Notices (a rollback) come before the boot, each as one event line. */
  char *lines = shell_call_str(h->sh, "jsonLines", 1, (const char *const[]){fb->notices_json});
  if (lines != NULL) {
    for (char *p = lines; *p != '\0';) {
      char *nl = strchr(p, '\n');
      if (nl != NULL) *nl = '\0';
      if (*p != '\0') {
        host_emit(h, p);
        if (strstr(p, "\"event\":\"rollback\"") != NULL) rollback_note(h, p);
      }
      if (nl == NULL) break;
      p = nl + 1;
    }
    free(lines);
  }
  if (fb->payload_type[0] != '\0' && strcmp(fb->engine, QUIP_BYTECODE_ENGINE) != 0) {
    char m[400];
    snprintf(m, sizeof m, "slot %s holds bytecode for %s, this host's engine is %s", fb->slot == 1 ? "B" : "A", fb->engine, QUIP_BYTECODE_ENGINE);
    flash_boot_result_free(fb);
    halt_screen(h, m);
    return -1;
  }
  *code = fb->payload;
  *len = fb->payload_len;
  *bytecode = strcmp(fb->payload_type, "quickjs-bytecode") == 0;
  snprintf(entry, entry_cap, "%s", fb->entry);
  snprintf(h->facts, sizeof h->facts, "%s", fb->facts_json);
  if (strcmp(fb->version, h->version) != 0) host_set_firmware_version(h, fb->version);
  return 0;
}

static void fault(host *h, const fw_fault *f);

void host_boot(host *h) {
  if (h->stopped || h->quitting) return;
  int generation = ++h->generation;
  const uint8_t *code;
  size_t len;
  int bytecode;
  char entry[256];
  flash_boot_result fb;
  if (load_firmware(h, &code, &len, &bytecode, entry, sizeof entry, &fb) != 0) return;
  boot *b = calloc(1, sizeof *b);
  if (b == NULL) {
    flash_boot_result_free(&fb);
    return;
  }
  b->h = h;
  b->generation = generation;
  b->started_at = plat_monotonic_ms();
  net_options no = {h->o.bind, h->o.advertise, h->o.dns_servers, NULL};
  if (h->o.advertise == NULL && h->o.bind != NULL && strcmp(h->o.bind, "0.0.0.0") != 0 && strcmp(h->o.bind, "::") != 0) no.advertised_address = h->o.bind;
  b->net = net_create(&no, &b->queue);
  b->timers = timers_create();
  char err[512] = "";
  audio_options ao = {h->o.audio_in, h->o.audio_out, h->o.audio_once, h->boots++ > 0};
  b->audio = audio_create(&ao, err, sizeof err);
  if (b->net == NULL || b->timers == NULL || b->audio == NULL) {
    fprintf(stderr, "error: cannot start a boot: %s\n", err[0] ? err : "out of memory");
    h->b = b;
    teardown(h);
    flash_boot_result_free(&fb);
    h->stopped = 1;
    h->exit_code = 1;
    return;
  }
  h->b = b;
  free(shell_call_str(h->sh, "lcdReset", 0, NULL));
  fw_vm_options vo = {code, len, bytecode, entry, h->heap_limit, h->stack_limit, h->watchdog_ms, host_hal, b};
  fw_fault f;
  fw_vm *vm = fw_vm_boot(&vo, &f);
  flash_boot_result_free(&fb);
  if (generation != h->generation) {
    fw_vm_free(vm);
    return;
  }
  if (vm == NULL) {
    fault(h, &f);
    return;
  }
  b->vm = vm;
}

static void fault(host *h, const fw_fault *f) {
  boot *b = h->b;
  int quick = b != NULL && plat_monotonic_ms() - b->started_at < HEALTHY_AFTER_MS;
  double delay = h->backoff_ms > 0 ? h->backoff_ms : FIRST_BACKOFF_MS;
  h->backoff_ms = quick ? (delay * 2 < MAX_BACKOFF_MS ? delay * 2 : MAX_BACKOFF_MS) : FIRST_BACKOFF_MS;
  jsonw w;
  jw_init(&w);
  int first = 1;
  jw_raw(&w, "{");
  jw_key(&w, &first, "event");
  jw_str(&w, strcmp(f->kind, "watchdog") == 0 ? "watchdog" : "error");
  jw_key(&w, &first, "where");
  jw_str(&w, "firmware");
  jw_key(&w, &first, "kind");
  jw_str(&w, f->kind);
  jw_key(&w, &first, "during");
  jw_str(&w, f->during);
  jw_key(&w, &first, "message");
  jw_str(&w, f->message);
  jw_key(&w, &first, "reboot_in_ms");
  jw_num(&w, delay);
  jw_raw(&w, "}");
  host_emit(h, jw_text(&w));
  jw_free(&w);
  teardown(h);
  if (h->stopped) return;
  h->reboot_at = plat_monotonic_ms() + delay;
  snprintf(h->reboot_reason, sizeof h->reboot_reason, "%s", f->kind);
}

void host_reboot(host *h, const char *reason) {
  emit_reboot(h, reason);
  teardown(h);
  h->reboot_at = 0;
  host_boot(h);
}

void host_deliver(host *h, hal_event *e) {
  if (h->b == NULL || h->stopped) {
    ev_free(e);
    return;
  }
  evq_push(&h->b->queue, e);
}

/* Hands queued events to the firmware one at a time, never re-entrantly. */
static void drain(host *h) {
  while (h->b != NULL && h->b->vm != NULL) {
    boot *b = h->b;
    hal_event *e = evq_pop(&b->queue);
    if (e == NULL) return;
    fw_fault f;
    int r = fw_vm_dispatch(b->vm, e, &f);
    ev_free(e);
    if (r != 0) {
      fault(h, &f);
      return;
    }
    if (b->reboot_requested) {
      char reason[200];
      snprintf(reason, sizeof reason, "%s", b->reboot_reason);
      host_reboot(h, reason);
      return;
    }
  }
}

void host_quit(host *h) {
  if (h->quitting) return;
  h->quitting = 1;
  h->quit_at = plat_monotonic_ms() + SHUTDOWN_GRACE_MS;
  host_deliver(h, ev_new("shutdown"));
}

static double earlier(double a, double b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

int host_run(host *h, host_input *input) {
  plat_pollfd fds[MAX_POLL];
  while (!h->stopped) {
    if (plat_quit_requested()) host_quit(h);
    drain(h);
    /* The speaker's period is recorded once the firmware has answered its frames. */
    if (h->b != NULL) audio_record_played(h->b->audio);
    double now = plat_monotonic_ms();
    if (h->quitting && now >= h->quit_at) break;
    if (h->reboot_at > 0 && now >= h->reboot_at && !h->quitting) {
      h->reboot_at = 0;
      emit_reboot(h, h->reboot_reason);
      host_boot(h);
      continue;
    }
    double due = h->quitting ? h->quit_at : -1;
    if (h->reboot_at > 0) due = earlier(due, h->reboot_at);
    boot *b = h->b;
    int n = 0, input_at = -1, net_from = 0;
    if (input != NULL && input->open && !h->quitting) {
      input_at = n;
      fds[n].sock = input->sock;
      fds[n].want = PLAT_IN;
      fds[n].ready = 0;
      n++;
    }
    net_from = n;
    if (b != NULL) {
      n += net_poll_fds(b->net, fds + n, MAX_POLL - n);
      due = earlier(due, timers_next(b->timers));
      due = earlier(due, audio_next_due(b->audio));
      due = earlier(due, net_next_deadline(b->net));
      if (b->queue.count > 0) due = now;
    }
    int timeout = due < 0 ? 1000 : (due <= now ? 0 : (int)(due - now) + 1);
    if (timeout > 1000) timeout = 1000; /* a quit signal is noticed within a second */
    plat_poll(fds, n, timeout);
    now = plat_monotonic_ms();
    if (input_at >= 0 && fds[input_at].ready) host_input_ready(h, input);
    b = h->b; /* a control line may have rebooted */
    if (b == NULL) continue;
    if (b->vm != NULL) {
      net_ready(b->net, fds + net_from, n - net_from, now);
      timers_fire(b->timers, now, &b->queue);
      static uint8_t frame[AUDIO_MAX_FRAME_BYTES];
      size_t len;
      while ((len = audio_take_frame(b->audio, now, frame, sizeof frame)) > 0) {
        hal_event *e = ev_new("audio_frame");
        ev_bin(e, frame, len);
        evq_push(&b->queue, e);
      }
    }
  }
  teardown(h);
  return h->exit_code;
}
