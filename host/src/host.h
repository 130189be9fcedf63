/* quip-host's state: one process-wide host (options, shell, storage, flash, output) and one
 * boot at a time (the firmware VM with its own sockets, timers and audio). A reboot tears the
 * boot down and makes a fresh one; storage and the shell's LCD model outlive it. */
#ifndef QUIP_HOST_H
#define QUIP_HOST_H

#include <stddef.h>

#include "audio.h"
#include "events.h"
#include "flash.h"
#include "fw_vm.h"
#include "net.h"
#include "shell.h"
#include "storage_dir.h"
#include "timers.h"

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_NONE } log_level;

typedef struct {
  const char *board;
  const char *boards_dir;
  const char *image, *bundle, *flash;
  const char *account, *provisioning_url, *sip_port, *sip_transport;
  int accept_direct_calls;
  const char *audio_in, *audio_out;
  int audio_once;
  int control_stdio;
  const char *data_dir;
  const char *bind, *advertise, *dns_servers;
  log_level log;
} host_options;

typedef struct boot boot;

typedef struct host {
  host_options o;
  shell *sh;
  char *board_json;  /* BoardInfo as the firmware reads it (system.board) */
  char *board_keys;  /* JSON array of the board's keys, for control lines */
  char board_id[64];
  size_t heap_limit, stack_limit;
  double watchdog_ms;
  int lcd_rows, lcd_cols;
  /* firmware of a fixed image or bundle (not with flash) */
  uint8_t *code;
  size_t code_len;
  int bytecode;
  char entry[256];
  char version[256];
  flash_board *flash;
  storage_dir *storage;
  boot *b;
  int generation;
  int boots;
  double backoff_ms;
  double reboot_at;     /* a reboot after a fault is due then (0 = none) */
  char reboot_reason[64];
  double quit_at;       /* the orderly shutdown ends then (0 = running) */
  int quitting, stopped;
  int exit_code;        /* what host_run returns: 0, or 1 when a boot could not even start */
  char facts[512];      /* added to the firmware's boot event (flash slot facts) */
} host;

struct boot {
  host *h;
  int generation;
  quip_net *net;
  timer_set *timers;
  quip_audio *audio;
  fw_vm *vm;
  ev_queue queue;
  double started_at; /* monotonic ms */
  int reboot_requested;
  char reboot_reason[200];
};

/** Writes one event line to the control channel (stdout), when it is on. */
void host_emit(host *h, const char *json_line);
/** An {"event":"error","where":…,"message":…} line on the control channel. */
void host_emit_error(host *h, const char *where, const char *message);
/** The image's version becomes the firmware's own (system.board's firmwareVersion). */
void host_set_firmware_version(host *h, const char *version);
/** A log line to stderr at or above the chosen level. */
void host_log(host *h, log_level level, const char *message);
/** The native __hal(op, a, b, c, d) of the firmware VM (hal_calls.c). */
JSValue host_hal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);
/** The i-th host call this host answers, NULL past the last (quip-host --hal-calls). */
const char *host_call_name(size_t i);

#endif
