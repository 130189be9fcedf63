/* The JSON-lines control channel on stdin, as `quip emulate --control stdio` reads it: the
 * shell parses and checks each line (hal/control-protocol.ts), the host acts on the outcome;
 * bad input gets an error event and the phone keeps running. stdin closing quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_loop.h"
#include "json_flat.h"
#include "jsonw.h"

static void control_error(host *h, const char *message) { host_emit_error(h, "control", message); }

static void key_event(host *h, const char *key, int down) {
  hal_event *e = ev_new("key");
  ev_cstr(e, key);
  ev_bool(e, down);
  host_deliver(h, e);
}

static void control_event(host *h, const char *command_json) {
  hal_event *e = ev_new("control");
  ev_cstr(e, command_json);
  host_deliver(h, e);
}

static void apply_line(host *h, const char *line, size_t len) {
  /* Decoded as Node's readline decodes stdin: each malformed UTF-8 sequence becomes U+FFFD (a
   * 3-byte surrogate too), a BOM stays. QuickJS alone would keep a surrogate and echo it. */
  size_t n = 0, bom = len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  char *text = json_utf8_lossy((const uint8_t *)line, len, &n); /* it drops the BOM */
  char *withbom = text != NULL && bom > 0 ? malloc(n + bom + 1) : NULL;
  if (withbom != NULL) {
    memcpy(withbom, line, bom);
    memcpy(withbom + bom, text, n + 1);
    free(text);
    text = withbom;
    n += bom;
  }
  if (text == NULL) {
    control_error(h, "control line could not be read");
    return;
  }
  shell_arg a[2] = {{SA_STR, text, n, 0}, {SA_STR, h->board_keys, strlen(h->board_keys), 0}};
  char *out = shell_call(h->sh, "controlLine", 2, a);
  free(text);
  shell_json *j = out != NULL ? shell_json_parse(h->sh, out) : NULL;
  free(out);
  if (j == NULL) {
    control_error(h, "control line could not be read");
    return;
  }
  char *s;
  if ((s = shell_json_text(j, "error")) != NULL) {
    /* As JSON text: a NUL in the echoed line stays in the message (\u0000), as quip emulate prints it. */
    jsonw w;
    jw_init(&w);
    jw_raw(&w, "{\"event\":\"error\",\"where\":\"control\",\"message\":");
    jw_raw(&w, s);
    jw_raw(&w, "}");
    host_emit(h, jw_text(&w));
    jw_free(&w);
  } else if ((s = shell_json_str(j, "key")) != NULL) {
    int down = shell_json_bool(j, "down");
    if (down < 0) {
      key_event(h, s, 1);
      key_event(h, s, 0);
    } else {
      key_event(h, s, down);
    }
  } else if ((s = shell_json_str(j, "dial")) != NULL) {
    jsonw w;
    jw_init(&w);
    jw_raw(&w, "{\"dial\":");
    jw_str(&w, s);
    jw_raw(&w, "}");
    control_event(h, jw_text(&w));
    jw_free(&w);
  } else if ((s = shell_json_str(j, "cmd")) != NULL) {
    if (strcmp(s, "reboot") == 0) host_reboot(h, "control");
    else if (strcmp(s, "quit") == 0) host_quit(h);
  } else if ((s = shell_json_text(j, "firmware")) != NULL) {
    control_event(h, s);
  }
  free(s);
  shell_json_free(j);
}

void host_input_ready(host *h, host_input *in) {
  uint8_t buf[4096];
  long r = plat_stdin_read(buf, sizeof buf);
  if (r == PLAT_AGAIN) return;
  if (r <= 0) {
    in->open = 0;
    if (in->len > 0 && !in->overlong) apply_line(h, in->line, in->len);
    in->len = 0;
    host_quit(h);
    return;
  }
  for (long i = 0; i < r; i++) {
    char c = (char)buf[i];
    /* Lines end at \n, \r\n or a lone \r, as Node's readline splits them. */
    if (c == '\n' && in->after_cr) {
      in->after_cr = 0;
      continue;
    }
    in->after_cr = c == '\r';
    if (c == '\n' || c == '\r') {
      if (in->overlong) control_error(h, "input line longer than 4096 characters");
      else apply_line(h, in->line, in->len);
      in->len = 0;
      in->overlong = 0;
      if (h->quitting) return;
    } else if (in->len + 1 < sizeof in->line) {
      in->line[in->len++] = c;
    } else {
      in->overlong = 1;
    }
  }
}
