/* quip-host's command line: the options (a subset of `quip emulate`'s), --help, and the one-shot
 * tools (--compile, --run, --hal-calls, --version). */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "tools.h"

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

int usage(const char *message) {
  fprintf(stderr, "quip-host: %s\nRun 'quip-host --help' for usage.\n", message);
  return 2;
}

typedef struct {
  const char *name;
  const char **value;
} string_opt;

int options_parse(int argc, char **argv, host_options *o) {
  memset(o, 0, sizeof *o);
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
      return tool_compile(argv[i + 1], argv[i + 2]);
    }
    if (strcmp(a, "--run") == 0) {
      if (i + 1 >= argc) return usage("--run needs <script.js>");
      return tool_run(argv[i + 1]);
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

  return -1;
}
